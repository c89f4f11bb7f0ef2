/// Durations in config: an integer number of seconds, or text such as `90s`, `10m`, `12h`, `30d`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        guard let last = text.last else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = units[last], let n = Int64(text.dropLast()), n >= 0, n <= Int64.max / unit / 2 {
            return .seconds(n * unit)
        }
        if let n = Int64(text), n >= 0 { return .seconds(n) }
        return nil
    }
}

extension Duration {
    /// Whole seconds, rounded down.
    public var wholeSeconds: Int64 { components.seconds }
}
