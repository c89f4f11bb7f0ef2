/// The path a FastCGI request is routed on (`DOCUMENT_URI`, or the Authorizer's script path), as the web server
/// decoded it. nginx decodes `%3F` and `%23` into the path and does not split `?` off an `auth_request` URI
/// (`auth_request /oauth2/auth?allowed_groups=admins;` arrives as that whole path with an empty `QUERY_STRING`),
/// so a literal `?` or `#` here is never an ordinary path:
/// - `<check route>?<rules>` is the check with that location's rules (read strictly by `LocationRules`);
/// - any other path holding `?` or `#` is no route at all (404), never the route before the mark.
public enum RoutedPath: Sendable, Equatable {
    /// A path without `?` or `#`.
    case clean(String)
    /// The check route with the rules nginx left in the path.
    case check(rules: String)
    /// A path that holds `?` or `#` and is not the check with rules.
    case unroutable

    public init(_ path: String, checkRoute: String) {
        guard let mark = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else {
            self = .clean(path)
            return
        }
        let rest = path[path.index(after: mark)...]
        if path[mark] == "?", path[..<mark] == checkRoute, !rest.contains("#") {
            self = .check(rules: String(rest))
        } else {
            self = .unroutable
        }
    }
}
