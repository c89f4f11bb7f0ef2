import Foundation
import GatehouseCrypto
import Mustache

/// Gatehouse's own pages (chooser, signed out, sign-out confirmation, 403, every error), self-contained: one
/// inline stylesheet, no script, no request for anything but the operator's logo. Built once from the config
/// (`[gatehouse.pages]`): the site's name, logo, accent colour and footer. Every string is escaped here; the
/// footer is re-written from its checked form (`FooterHTML`).
///
/// Each page is served with a Content-Security-Policy that allows only that stylesheet (by hash), images from
/// `data:` and the logo's origin, no scripts, no base URL (no `form-action`: Chromium applies it to the redirect
/// after the sign-out POST, which goes to the provider), and no framing unless a route says by whom (the
/// front-channel logout page). `<link rel="icon" href="data:,">` keeps the browser from asking the protected
/// site for `/favicon.ico` after one of these pages (which the check would refuse and log).
struct HTMLPage: Sendable {
    let siteName: String?
    let logoURL: String?
    let footer: FooterHTML?
    let css: String
    /// The operator's `page.mustache` with the stylesheet as a partial (`[gatehouse.pages] templates`); nil: ours.
    let library: MustacheLibrary?
    /// The CSP without `frame-ancestors` (added per response).
    let policy: String

    init(config: GatehouseConfig) {
        let pages = config.pages
        siteName = pages.siteName ?? config.auth.redirectURI.flatMap { URLParts($0)?.host }
        logoURL = pages.logoURL
        footer = pages.footer
        css = PageStyle.css(accent: pages.accentColor)
        library = pages.template?.library(css: css)
        let styles = ["'sha256-\(Self.base64(Digest.sha256(Array(css.utf8))))'"] + (pages.template?.styleHashes ?? [])
        var images = ["data:"]
        // A template may show images of this site (its own logo, a background is CSS and also 'self').
        if pages.template != nil || pages.logoURL?.hasPrefix("/") == true { images.append("'self'") }
        if let logo = pages.logoURL, !logo.hasPrefix("/") { images.append(URLParts(logo)?.origin ?? "'none'") }
        policy = "default-src 'none'; style-src \(styles.joined(separator: " ")); img-src \(images.joined(separator: " ")); base-uri 'none'"
    }

    /// The page as a response: HTML, no-store, the CSP, never framed unless `frameAncestors` names who may.
    func response(_ content: PageContent, headers: [Response.Header] = [], frameAncestors: String = "'none'") -> Response {
        var security = [Response.Header("Content-Security-Policy", "\(policy); frame-ancestors \(frameAncestors)"),
                        Response.Header("X-Content-Type-Options", "nosniff"), Response.Header("Referrer-Policy", "no-referrer")]
        if frameAncestors == "'none'" { security.append(Response.Header("X-Frame-Options", "DENY")) }
        return .html(status: content.status, render(content), headers: security + headers)
    }

    func render(_ content: PageContent) -> String {
        if let library { return library.render(values(content), withTemplate: "page") ?? "" }
        let e = Self.escape
        var body = ""
        var brand = ""
        if let logoURL { brand += "<img src=\"\(e(logoURL))\" alt=\"\(e(siteName ?? ""))\">" }
        if let siteName, !content.headingNamesSite { brand += "<span>\(e(siteName))</span>" }
        if !brand.isEmpty { body += "<div class=\"brand\">\(brand)</div>\n" }
        if content.status >= 400 { body += "<p class=\"status\">Error \(content.status)</p>\n" }
        body += "<h1>\(e(content.title))</h1>\n"
        for p in content.paragraphs { body += "<p>\(e(p))</p>\n" }
        if !content.buttons.isEmpty || !content.postButtons.isEmpty {
            body += "<div class=\"actions\">\n"
            for b in content.buttons { body += "<a class=\"button\" href=\"\(e(b.href))\">\(e(b.label))</a>\n" }
            // A form with no fields: the shipped web-server routes pass no request body, and none is needed.
            for b in content.postButtons {
                body += "<form method=\"post\" action=\"\(e(b.href))\"><button class=\"button\" type=\"submit\">\(e(b.label))</button></form>\n"
            }
            body += "</div>\n"
        }
        if !content.links.isEmpty {
            body += "<p class=\"links\">" + content.links.map { "<a href=\"\(e($0.href))\">\(e($0.label))</a>" }.joined(separator: "\n") + "</p>\n"
        }
        if let note = content.footnote { body += "<p class=\"note\">\(e(note))</p>\n" }
        let title = siteName.map { content.headingNamesSite ? content.title : "\(content.title) · \($0)" } ?? content.title
        let foot = footer.map { "<footer>\($0.html)</footer>\n" } ?? ""
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><link rel="icon" href="data:,">
        <title>\(e(title))</title>
        <style>\(css)</style>
        </head><body>
        <main>
        \(body)</main>
        \(foot)</body></html>
        """
    }

    /// The placeholders of a `page.mustache` (docs/configuration.md lists them); Mustache escapes each.
    func values(_ content: PageContent) -> [String: Any] {
        func actions(_ list: [PageContent.Action], _ key: String) -> [[String: String]] { list.map { ["label": $0.label, key: $0.href] } }
        var v: [String: Any] = [
            "lang": "en", "title": content.title, "heading_names_site": content.headingNamesSite,
            "document_title": siteName.map { content.headingNamesSite ? content.title : "\(content.title) · \($0)" } ?? content.title,
            "paragraphs": content.paragraphs, "buttons": actions(content.buttons, "href"),
            "post_buttons": actions(content.postButtons, "action"), "links": actions(content.links, "href"),
        ]
        if content.status >= 400 { v["status"] = content.status }
        if let siteName { v["site_name"] = siteName }
        if let logoURL { v["logo_url"] = logoURL }
        if let note = content.footnote { v["footnote"] = note }
        return v
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Standard base64 with padding, as CSP hashes are written.
    static func base64(_ bytes: [UInt8]) -> String {
        var s = Base64URL.encode(bytes).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return s
    }
}
