/// Minimal, self-contained HTML for Gatehouse's own pages (no external assets, everything escaped).
public enum HTMLPage {
    public static func render(title: String, paragraphs: [String], links: [(label: String, href: String)] = [],
                              buttons: [(label: String, href: String)] = [], postButtons: [(label: String, action: String)] = [],
                              footnote: String? = nil) -> String {
        var body = "<h1>\(escape(title))</h1>\n"
        for p in paragraphs { body += "<p>\(escape(p))</p>\n" }
        for b in buttons { body += "<p><a class=\"button\" href=\"\(escape(b.href))\">\(escape(b.label))</a></p>\n" }
        // A form with no fields: the shipped web-server routes pass no request body, and none is needed.
        for b in postButtons {
            body += "<form method=\"post\" action=\"\(escape(b.action))\"><button class=\"button\" type=\"submit\">\(escape(b.label))</button></form>\n"
        }
        if !links.isEmpty {
            body += "<p>" + links.map { "<a href=\"\(escape($0.href))\">\(escape($0.label))</a>" }.joined(separator: " · ") + "</p>\n"
        }
        if let footnote { body += "<p class=\"note\">\(escape(footnote))</p>\n" }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}
        h1{font-size:1.4rem}.note{color:#666;font-size:.85rem}
        .button{display:inline-block;padding:.6rem 1.2rem;border-radius:.4rem;background:#1a56db;color:#fff;text-decoration:none;
        border:0;font:inherit;cursor:pointer}</style>
        </head><body>
        \(body)</body></html>
        """
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
}
