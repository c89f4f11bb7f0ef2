/// Finds table headers (and mismatched value brackets) that TOMLKit's bundled toml++ (3.x) cannot survive: after `[` or `[[` it asserts
/// (debug builds abort; release builds hit `__builtin_assume` on a false condition, undefined behaviour)
/// unless a bare-key character, a quote or `]` follows. Such text is not TOML anyway; reporting it here
/// keeps it away from the parser. Found by fuzz/ (harness `config`), e.g. `[%a]`.
enum TOMLHeaderGuard {
    /// The 1-based line and column of the first such header, or nil. Skips strings, comments and values.
    static func firstUnsafeHeader(_ text: String) -> (line: Int, column: Int, reason: String)? {
        let s = Array(text.utf8)
        var i = 0, line = 1, lineStart = 0, onlySpaceSoFar = true
        var open: [UInt8] = []  // brackets and braces of the value being read
        func at(_ k: Int) -> UInt8? { k < s.count ? s[k] : nil }
        func isBareOrQuote(_ c: UInt8?) -> Bool {
            guard let c else { return true }  // end of text: toml++ reports that itself
            return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "]")
        }
        func skipString(_ quote: UInt8) {
            let multi = at(i + 1) == quote && at(i + 2) == quote
            i += multi ? 3 : 1
            while i < s.count {
                if quote == UInt8(ascii: "\"") && s[i] == UInt8(ascii: "\\") { i += 2; continue }
                if s[i] == UInt8(ascii: "\n") { line += 1; lineStart = i + 1; if !multi { return } }
                if s[i] == quote && (!multi || (at(i + 1) == quote && at(i + 2) == quote)) { i += multi ? 3 : 1; return }
                i += 1
            }
        }
        while i < s.count {
            let c = s[i]
            switch c {
            case UInt8(ascii: "\n"):
                line += 1; lineStart = i + 1; onlySpaceSoFar = true; i += 1; continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                i += 1; continue
            case UInt8(ascii: "#"):
                while i < s.count, s[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(c); onlySpaceSoFar = false; continue
            case UInt8(ascii: "[") where open.isEmpty && onlySpaceSoFar:
                var k = i + 1
                func skipBlanks() -> Bool {
                    let from = k
                    while at(k) == UInt8(ascii: " ") || at(k) == UInt8(ascii: "\t") { k += 1 }
                    return k > from
                }
                let blank = skipBlanks()
                // `[ [` is an error toml++ reports itself; `[[` is an array-of-tables header.
                if at(k) == UInt8(ascii: "["), !blank { k += 1; _ = skipBlanks() }
                if !isBareOrQuote(at(k)) && !(blank && at(k) == UInt8(ascii: "[")) { return (line, k - lineStart + 1, "a table name must start with a letter, digit, _, - or a quote") }
                // The header's own brackets and quoted names end with the line.
                while i < s.count, s[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(c)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                // A `}` where an array value should be (`a = [1,}`) trips another toml++ assertion (parse_value);
                // a closer of the other kind is never TOML, so every mismatch is reported here.
                if let last = open.popLast(), (last == UInt8(ascii: "[")) != (c == UInt8(ascii: "]")) { return (line, i - lineStart + 1, "this bracket does not close the one opened before it") }
            default:
                break
            }
            onlySpaceSoFar = false
            i += 1
        }
        return nil
    }
}
