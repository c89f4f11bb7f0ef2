/// The FastCGI params of one request, in the order the web server sent them, looked up by name: the first of a
/// duplicated name wins, as libfcgi's own `FCGX_GetParam` does.
///
/// The entries stay as the bytes libfcgi holds (`NAME=value`, back to back in one buffer); a value becomes a
/// `String` only when it is read. A check reads a handful of the ~20 params nginx sends, so building a
/// dictionary of all of them cost more than the check's own work.
public struct FastCGIParams: Sendable {
    /// Where one entry lies in `bytes`: its name is `start..<equals`, its value `equals + 1..<end`.
    private struct Entry: Sendable {
        var start: Int
        var equals: Int
        var end: Int
    }

    private var bytes: [UInt8] = []
    private var entries: [Entry] = []

    public init() {}

    /// The params of a dictionary (tests and fuzz harnesses, which have no duplicates to order).
    public init(_ params: [String: String]) {
        for (name, value) in params { append(name: name, value: value) }
    }

    public mutating func reserveCapacity(bytes byteCount: Int, entries entryCount: Int) {
        bytes.reserveCapacity(byteCount)
        entries.reserveCapacity(entryCount)
    }

    /// One `NAME=value` entry as libfcgi holds it; an entry without `=` is no param and is left out.
    public mutating func append(entry: UnsafeBufferPointer<UInt8>) {
        guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { return }
        let start = bytes.count
        bytes.append(contentsOf: entry)
        entries.append(Entry(start: start, equals: start + equals, end: bytes.count))
    }

    public mutating func append(name: String, value: String) {
        let start = bytes.count
        bytes += name.utf8
        let equals = bytes.count
        bytes.append(UInt8(ascii: "="))
        bytes += value.utf8
        entries.append(Entry(start: start, equals: equals, end: bytes.count))
    }

    /// The first value of `name`. Setting replaces every entry of that name (nil removes them).
    public subscript(name: String) -> String? {
        get {
            guard let entry = firstEntry(named: name) else { return nil }
            return bytes.withUnsafeBufferPointer { all in
                String(decoding: UnsafeBufferPointer(rebasing: all[(entry.equals + 1)..<entry.end]), as: UTF8.self)
            }
        }
        set {
            let bytes = bytes
            entries.removeAll { bytes[$0.start..<$0.equals].elementsEqual(name.utf8) }
            if let newValue { append(name: name, value: newValue) }
        }
    }

    private func firstEntry(named name: String) -> Entry? {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { all in
                entries.first { entry in
                    entry.equals - entry.start == wanted.count
                        && UnsafeBufferPointer(rebasing: all[entry.start..<entry.equals]).elementsEqual(wanted)
                }
            }
        }
    }
}
