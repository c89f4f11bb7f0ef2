import TOMLKit

/// `[gatehouse.pages]`: the brand on Gatehouse's own pages. Each value is checked here so that the page can
/// only ever show it as text, a colour of hex digits, an image URL or the checked footer.
extension ConfigReader {
    static let pagesKeys: Set<String> = ["site_name", "logo_url", "accent_color", "footer_html", "templates"]

    mutating func readPages(_ gh: TOMLTable) -> PagesConfig {
        var pages = PagesConfig()
        guard let t = table(gh, "pages", path: "gatehouse.pages") else { return pages }
        checkKnownKeys(t, path: "gatehouse.pages", known: Self.pagesKeys)
        if let name = string(t, "site_name", path: "gatehouse.pages.site_name") {
            if !name.isEmpty, name.count <= 100, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) { pages.siteName = name }
            else { problem("gatehouse.pages.site_name", "write 1 to 100 characters on one line") }
        }
        if let logo = string(t, "logo_url", path: "gatehouse.pages.logo_url") {
            if Self.isLogoURL(logo) { pages.logoURL = logo }
            else { problem("gatehouse.pages.logo_url", "use an https:// URL or a path on this site such as /logo.svg (no spaces or quotes)") }
        }
        if let text = string(t, "accent_color", path: "gatehouse.pages.accent_color") {
            if let color = AccentColor(hex: text) {
                let ratio = color.contrast(with: AccentColor.lightCard)
                if ratio >= AccentColor.minimumContrast { pages.accentColor = color } else {
                    problem("gatehouse.pages.accent_color", "\(color.hex) has \(Int(ratio * 10) / 10).\(Int(ratio * 10) % 10):1 contrast on the white card; links need 4.5:1, pick a darker shade")
                }
            } else { problem("gatehouse.pages.accent_color", "write a hex colour such as \"#1a56db\" or \"#15d\"") }
        }
        if let html = string(t, "footer_html", path: "gatehouse.pages.footer_html") {
            switch FooterHTML.parse(html) {
            case .success(let footer): pages.footer = footer
            case .failure(let why): problem("gatehouse.pages.footer_html", "\(why.message) (docs/configuration.md lists what it may hold)")
            }
        }
        if let directory = string(t, "templates", path: "gatehouse.pages.templates") {
            let file = (directory.hasSuffix("/") ? directory : directory + "/") + PageTemplate.fileName
            if let text = environment.readFile(file) {
                switch PageTemplate.parse(text) {
                case .success(let template): pages.template = template
                case .failure(let why): problem("gatehouse.pages.templates", "\(file): \(why.message) (docs/configuration.md lists the placeholders)")
                }
            } else { problem("gatehouse.pages.templates", "cannot read \(file)") }
        }
        return pages
    }

    static func isLogoURL(_ s: String) -> Bool {
        guard s.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"\"'<>\\".unicodeScalars.contains($0) }) else { return false }
        if s.hasPrefix("/") { return !s.hasPrefix("//") }
        return s.lowercased().hasPrefix("https://") && URLParts(s) != nil
    }
}
