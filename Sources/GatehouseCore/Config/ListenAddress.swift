/// Where the FastCGI server takes connections from.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// `unix:/run/gatehouse/gatehouse.sock`
    case unix(path: String)
    /// `tcp:127.0.0.1:9000` or `127.0.0.1:9000` (Apache's mod_authnz_fcgi speaks TCP only).
    case tcp(host: String, port: Int)
    /// `fd:0`: a listening socket inherited from spawn-fcgi or mod_fcgid.
    case inheritedFD(Int32)
    /// `systemd`: the first socket passed by systemd socket activation (`LISTEN_FDS`).
    case systemd

    public init?(parsing text: String) {
        if text == "systemd" { self = .systemd; return }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") else { return nil }
            self = .unix(path: path); return
        }
        if text.hasPrefix("/") { self = .unix(path: text); return }
        if text.hasPrefix("fd:") {
            guard let fd = Int32(text.dropFirst(3)), fd >= 0 else { return nil }
            self = .inheritedFD(fd); return
        }
        let hostPort = text.hasPrefix("tcp:") ? String(text.dropFirst(4)) : text
        guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self = .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        case .inheritedFD(let fd): return "fd:\(fd)"
        case .systemd: return "systemd"
        }
    }
}
