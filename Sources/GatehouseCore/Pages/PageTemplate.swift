import Foundation
import GatehouseCrypto
import Mustache

/// `[gatehouse.pages] templates = "/etc/gatehouse/pages"`: the operator's own layout for every page, the file
/// `page.mustache` in that directory, read and checked once at load. Its placeholders (docs/configuration.md) are
/// Gatehouse's page content, always HTML-escaped: the forms that would write a value unescaped (`{{{x}}}`,
/// `{{&x}}`), change the delimiters (`{{=<% %>=}}`, after which such a form could hide) or switch escaping off
/// (`{{%CONTENT_TYPE:TEXT}}`) are refused, so no value can break out of the text or quoted attribute it stands in.
/// `{{> style}}` writes Gatehouse's stylesheet; the template's own `<style>` blocks (no placeholders inside) are
/// allowed by hash in the page's CSP, which still allows no script, no inline `style=""` attribute and no frame.
public struct PageTemplate: Sendable {
    static let fileName = "page.mustache"
    let template: MustacheTemplate
    /// The CSP hashes (`'sha256-...'`) of the template's own `<style>` blocks.
    let styleHashes: [String]

    public static func parse(_ text: String) -> Result<PageTemplate, FooterProblem> {
        if let tag = unescapedTag(in: text) { return .failure(FooterProblem("\(tag) is not allowed: every value is escaped (use {{name}})")) }
        var hashes: [String] = []
        for block in styleBlocks(in: text) {
            if block.contains("{{") { return .failure(FooterProblem("a <style> block holds a placeholder; styles are fixed at load")) }
            hashes.append("'sha256-\(HTMLPage.base64(Digest.sha256(Array(block.utf8))))'")
        }
        do {
            return .success(PageTemplate(template: try MustacheTemplate(string: text), styleHashes: hashes))
        } catch {
            return .failure(FooterProblem("not a valid Mustache template: \(error)"))
        }
    }

    /// The first tag that would write a value unescaped or change how tags are read.
    static func unescapedTag(in text: String) -> String? {
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            let after = rest[open.upperBound...].drop { $0 == " " || $0 == "\t" }
            if let sigil = after.first, "{&=%".contains(sigil) { return "{{\(sigil)" }
            rest = rest[open.upperBound...]
        }
        return nil
    }

    /// The contents of each `<style ...>...</style>` element, as the browser hashes them.
    static func styleBlocks(in text: String) -> [String] {
        var blocks: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<style", options: .caseInsensitive),
              let tagEnd = rest[open.upperBound...].firstIndex(of: ">"),
              let close = rest[rest.index(after: tagEnd)...].range(of: "</style", options: .caseInsensitive) {
            blocks.append(String(rest[rest.index(after: tagEnd)..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return blocks
    }

    /// The template as "page", and Gatehouse's stylesheet as the partial "style" (built once per config).
    func library(css: String) -> MustacheLibrary {
        var library = MustacheLibrary()
        library.register(template, named: "page")
        // The stylesheet is Gatehouse's own text (no "{{" in it), so as a template it renders as itself.
        if let style = try? MustacheTemplate(string: "<style>\(css)</style>") { library.register(style, named: "style") }
        return library
    }
}
