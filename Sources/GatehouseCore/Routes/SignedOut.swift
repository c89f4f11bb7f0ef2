/// `<prefix>/signed_out`: where a sign-out without `rd` ends, directly or back from the provider's logout. It
/// says the person is signed out and offers to sign in again; it never sends them on by itself, so a provider
/// that keeps its own session cannot sign them straight back in. `?provider_session=kept` (set by `SignOut` when
/// the provider has no logout endpoint) adds that the sign-in service may still remember them.
struct SignedOut: Sendable {
    let routes: Routes
    let pages: HTMLPage

    static let providerSessionKept = "provider_session=kept"

    func handle(_ ctx: RequestContext) -> Response {
        var paragraphs = [pages.siteName.map { "You have signed out of \($0)." } ?? "You have signed out."]
        if ctx.request.query["provider_session"] == "kept" {
            paragraphs.append("Your sign-in service may still remember you. On a shared computer, sign out there too or close the browser.")
        }
        return pages.response(PageContent(title: "You are signed out", paragraphs: paragraphs,
                                          buttons: [.init(label: "Sign in again", href: routes.loginURL(returnTo: "/"))]))
    }
}
