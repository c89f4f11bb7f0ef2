import Foundation

/// `[gatehouse.pages] footer_html`: a line or two under the card (a help-desk link, a legal notice). Not HTML as a
/// browser reads it, but a small language that looks like it, read once at load and written out again by
/// Gatehouse, so nothing the operator types can open a script, a style, an attribute or a tag of its own:
/// - text, with the character references `&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&nbsp;` `&copy;` and `&#N;`/`&#xH;`;
/// - `<a href="...">`: `href` its only attribute, double-quoted, `https://`, `http://`, `mailto:` or a path on this
///   site (`/help`);
/// - `<strong>`, `<em>`, `<small>`, properly closed, and `<br>`.
/// Anything else is a config problem (never silently dropped: the operator should see what is not shown).
public struct FooterHTML: Sendable, Equatable {
    enum Node: Sendable, Equatable {
        case text(String)
        case element(String, href: String?, children: [Node])
        case lineBreak
    }

    let nodes: [Node]

    /// Longest footer accepted, in characters.
    static let maxLength = 2000
    static let containers: Set<String> = ["a", "strong", "em", "small"]
    static let entities: [String: Character] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "#39": "'", "nbsp": "\u{a0}", "copy": "©"]

    /// The parsed footer, or what is wrong with it (for the config problem).
    public static func parse(_ text: String) -> Result<FooterHTML, FooterProblem> {
        guard text.count <= maxLength else { return .failure(FooterProblem("longer than \(maxLength) characters")) }
        var reader = Reader(Array(text))
        do {
            let nodes = try reader.nodes(closing: nil)
            return .success(FooterHTML(nodes: nodes))
        } catch {
            return .failure(error)
        }
    }

    /// The footer as HTML, every text and attribute written by Gatehouse and escaped.
    public var html: String { Self.render(nodes) }

    static func render(_ nodes: [Node]) -> String {
        nodes.map { node in
            switch node {
            case .text(let s): return HTMLPage.escape(s)
            case .lineBreak: return "<br>"
            case .element(let name, let href, let children):
                let attribute = href.map { " href=\"\(HTMLPage.escape($0))\"" } ?? ""
                return "<\(name)\(attribute)>\(render(children))</\(name)>"
            }
        }.joined()
    }

    static func isAllowedLink(_ href: String) -> Bool {
        let lower = href.lowercased()
        let schemeOK = lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:")
            || (href.hasPrefix("/") && !href.hasPrefix("//"))
        return schemeOK && href.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" }
    }

    struct Reader {
        let chars: [Character]
        var i = 0
        init(_ chars: [Character]) { self.chars = chars }

        mutating func nodes(closing: String?) throws(FooterProblem) -> [Node] {
            var out: [Node] = []
            var text = ""
            func flush() { if !text.isEmpty { out.append(.text(text)); text = "" } }
            while i < chars.count {
                let c = chars[i]
                if c == "&" {
                    text.append(try entity())
                } else if c == "<" {
                    flush()
                    let tag = try self.tag()
                    if tag.closing {
                        guard tag.name == closing else { throw FooterProblem("</\(tag.name)> closes nothing open") }
                        return out
                    }
                    if tag.name == "br" { out.append(.lineBreak); continue }
                    let children = try nodes(closing: tag.name)
                    out.append(.element(tag.name, href: tag.href, children: children))
                } else if c == ">" {
                    throw FooterProblem("a '>' outside a tag: write &gt;")
                } else {
                    text.append(c); i += 1
                }
            }
            flush()
            if let closing { throw FooterProblem("<\(closing)> is never closed") }
            return out
        }

        mutating func entity() throws(FooterProblem) -> Character {
            guard let end = chars[i...].prefix(12).firstIndex(of: ";") else { throw FooterProblem("a '&' that starts no character reference: write &amp;") }
            let name = String(chars[(i + 1)..<end])
            i = end + 1
            if let c = FooterHTML.entities[name] { return c }
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                if let value, value >= 0x20, value != 0x7F, let scalar = Unicode.Scalar(value) { return Character(scalar) }
            }
            throw FooterProblem("&\(name); is not one of the character references footer_html takes")
        }

        /// `<name>`, `<a href="...">`, `</name>` or `<br>`.
        mutating func tag() throws(FooterProblem) -> (name: String, closing: Bool, href: String?) {
            guard let end = chars[i...].firstIndex(of: ">") else { throw FooterProblem("a '<' that starts no tag: write &lt;") }
            var inside = String(chars[(i + 1)..<end])
            i = end + 1
            let closing = inside.hasPrefix("/")
            if closing { inside.removeFirst() }
            if inside.hasSuffix("/") { inside.removeLast() }
            let parts = inside.split(separator: " ", maxSplits: 1)
            guard let first = parts.first else { throw FooterProblem("an empty tag") }
            let name = first.lowercased()
            guard FooterHTML.containers.contains(name) || name == "br" else {
                throw FooterProblem("<\(name)> is not allowed (only <a href>, <strong>, <em>, <small>, <br>)")
            }
            let attributes = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            if closing || name != "a" {
                guard attributes.isEmpty else { throw FooterProblem("<\(name)> takes no attributes") }
                return (name, closing, nil)
            }
            guard attributes.hasPrefix("href=\""), attributes.hasSuffix("\""), attributes.count >= 7 else {
                throw FooterProblem("<a> takes exactly one attribute, href=\"...\"")
            }
            let href = String(attributes.dropFirst(6).dropLast()).replacingOccurrences(of: "&amp;", with: "&")
            guard !href.contains("\""), !href.contains("<"), FooterHTML.isAllowedLink(href) else {
                throw FooterProblem("<a href> must be an https://, http:// or mailto: URL or a path on this site, without spaces")
            }
            return (name, false, href)
        }
    }
}

/// Why a `footer_html` was refused.
public struct FooterProblem: Error, Sendable, Equatable {
    public let message: String
    init(_ message: String) { self.message = message }
}
