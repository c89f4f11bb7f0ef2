/// Where a request comes from, for actions another site must not trigger (sign-out).
extension RequestContext {
    /// True when the request started on this origin, or had no browser context at all (a typed URL, a bookmark,
    /// curl). Fetch Metadata decides when the browser sends it (`Sec-Fetch-Site: same-origin` or `none`; `same-site`
    /// is a sibling subdomain, not us). Browsers without it send `Origin` on POST, whose host must be this
    /// request's host (`null` never is). With neither header there is no sign of another site.
    var isSameOriginOrDirect: Bool {
        if let site = request.header(.secFetchSite)?.lowercased() { return site == "same-origin" || site == "none" }
        if let origin = request.header(.origin)?.lowercased() {
            guard let host, let mark = origin.range(of: "://") else { return false }
            return origin[mark.upperBound...] == host
        }
        return true
    }
}
