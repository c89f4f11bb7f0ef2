/// Host and domain patterns as the config writes them: `example.com` is that name only; `.example.com` is
/// example.com and every name under it (never `badexample.com`). Used for return-URL hosts and email domains.
enum HostPattern {
    /// `host` must already be lower-cased, as both callers hold it.
    static func matches(_ pattern: String, _ host: String) -> Bool {
        guard pattern.hasPrefix(".") else { return host == pattern }
        return host == pattern.dropFirst() || host.hasSuffix(pattern)
    }
}
