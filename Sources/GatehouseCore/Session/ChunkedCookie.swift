/// Splits a long cookie value over `name_0`, `name_1`, ... and joins it back.
/// The number of chunks read is capped here, never taken from the client.
public enum ChunkedCookie {
    /// Bytes of value per cookie, leaving room for name and attributes under browsers' 4096-byte limit.
    public static let chunkSize = 3800
    /// The hard cap on chunks read (and cleared); never taken from the client.
    public static let maxChunks = 3
    /// The cap on chunks written: two keep a session's Cookie header under 8 KB, the request-header line limit
    /// of nginx (`large_client_header_buffers`), Apache (`LimitRequestFieldSize`) and most proxies by default.
    /// Above it nginx answers 400 to every URL, sign-out included. (Sessions of three chunks are still read.)
    public static let maxWrittenChunks = 2

    public static func chunkName(_ name: String, _ index: Int) -> String { "\(name)_\(index)" }

    /// The whole value: the plain cookie if present, else the chunks in order until the first gap.
    public static func read(_ name: String, from cookies: RequestCookies) -> String? {
        if let whole = cookies[name] { return whole }
        var parts: [String] = []
        for i in 0..<maxChunks {
            guard let part = cookies[chunkName(name, i)] else { break }
            parts.append(part)
        }
        return parts.isEmpty ? nil : parts.joined()
    }

    /// The cookies to set for `value`, plus deletions of any other form of this cookie the browser has.
    /// Nil when the value needs more than `maxWrittenChunks` chunks.
    public static func set(_ value: String, template: SetCookie, existing: RequestCookies) -> [SetCookie]? {
        let name = template.name
        let bytes = Array(value.utf8)
        var out: [SetCookie] = []
        var written: Set<String> = []
        if bytes.count <= chunkSize {
            var c = template; c.value = value
            out.append(c); written.insert(name)
        } else {
            let count = (bytes.count + chunkSize - 1) / chunkSize
            guard count <= maxWrittenChunks else { return nil }
            for i in 0..<count {
                var c = template
                c.name = chunkName(name, i)
                c.value = String(decoding: bytes[(i * chunkSize)..<min(bytes.count, (i + 1) * chunkSize)], as: UTF8.self)
                out.append(c); written.insert(c.name)
            }
        }
        return out + clear(template: template, existing: existing, keeping: written)
    }

    /// Deletions for every form of this cookie the request carries (plain and each chunk up to the cap).
    public static func clear(template: SetCookie, existing: RequestCookies, keeping: Set<String> = []) -> [SetCookie] {
        let names = [template.name] + (0..<maxChunks).map { chunkName(template.name, $0) }
        return names.filter { existing[$0] != nil && !keeping.contains($0) }.map {
            var c = template
            c.name = $0; c.value = ""; c.maxAge = 0
            return c
        }
    }
}
