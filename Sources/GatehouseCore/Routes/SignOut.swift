/// `<prefix>/sign_out`: forgets the session (every chunk of it) and sends the browser on.
struct SignOut: Sendable {
    let sessions: SessionCookie
    let returnURL: ReturnURL

    func handle(_ ctx: RequestContext, now: Int64) -> Response {
        let target = returnURL.validate(ctx.request.query["rd"])
        let clearing = sessions.clear(existing: ctx.cookies).map { Response.Header("Set-Cookie", $0.headerValue) }
        return .redirect(to: target, headers: clearing)
    }
}
