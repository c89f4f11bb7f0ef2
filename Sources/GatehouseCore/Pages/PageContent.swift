/// What one of Gatehouse's pages says; `HTMLPage` lays it out. Every string is plain text (escaped when written).
struct PageContent: Sendable {
    struct Action: Sendable {
        let label: String
        let href: String
    }

    /// The heading and the document title.
    var title: String
    /// The HTTP status, shown above the heading on an error page (400 and up).
    var status: Int = 200
    var paragraphs: [String] = []
    /// Main actions, as full-width buttons (links styled as buttons).
    var buttons: [Action] = []
    /// Actions that must be a POST (sign-out confirmation): a form with no fields each.
    var postButtons: [Action] = []
    /// Secondary ways on, as links under the buttons.
    var links: [Action] = []
    /// Small print at the card's foot (the error reference).
    var footnote: String?
    /// The heading already names the site (the chooser's "Sign in to ..."): the brand row shows only the logo.
    var headingNamesSite = false
}
