internal import CFastCGI
import GatehouseCore
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket for libfcgi, opened from a `ListenAddress`.
public struct FastCGIListener: Sendable {
    public let fd: Int32
    /// The unix socket file to remove at shutdown, if Gatehouse created it.
    public let socketPath: String?

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    static let backlog: Int32 = 1024

    public static func open(_ address: ListenAddress, socketMode: UInt16, environment: [String: String]) throws(OpenError) -> FastCGIListener {
        switch address {
        case .unix(let path):
            try removeStaleSocket(path)
            let fd = FCGX_OpenSocket(path, backlog)
            guard fd >= 0 else { throw OpenError(description: "cannot listen on unix:\(path): \(errnoText())") }
            // libfcgi leaves the mode to the umask; the web server's user must be able to connect.
            guard chmod(path, mode_t(socketMode)) == 0 else {
                close(fd)
                throw OpenError(description: "cannot chmod \(path): \(errnoText())")
            }
            return FastCGIListener(fd: fd, socketPath: path)
        case .tcp(let host, let port):
            let fd = FCGX_OpenSocket("\(host):\(port)", backlog)
            guard fd >= 0 else { throw OpenError(description: "cannot listen on \(address): \(errnoText())") }
            return FastCGIListener(fd: fd, socketPath: nil)
        case .inheritedFD(let fd):
            try requireListening(fd, what: "fd:\(fd)")
            return FastCGIListener(fd: fd, socketPath: nil)
        case .systemd:
            // sd_listen_fds(3): LISTEN_PID names us and LISTEN_FDS counts sockets from fd 3.
            guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
                  let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1 else {
                throw OpenError(description: "listen = \"systemd\" but no socket was passed (LISTEN_PID/LISTEN_FDS unset or not for this process)")
            }
            try requireListening(3, what: "systemd socket fd 3")
            return FastCGIListener(fd: 3, socketPath: nil)
        }
    }

    /// A socket file left by a crash is removed; one that still answers belongs to a running instance.
    static func removeStaleSocket(_ path: String) throws(OpenError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw OpenError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { throw OpenError(description: "socket(): \(errnoText())") }
        defer { close(probe) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw OpenError(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 { throw OpenError(description: "another process is listening on \(path)") }
        guard unlink(path) == 0 else { throw OpenError(description: "cannot remove stale socket \(path): \(errnoText())") }
    }

    static func requireListening(_ fd: Int32, what: String) throws(OpenError) {
        var accepting: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0, accepting == 1 else {
            throw OpenError(description: "\(what) is not a listening socket")
        }
    }

    /// Non-blocking, so a worker that loses the race for a connection goes back to poll() instead of
    /// sleeping in accept() where a stop cannot reach it.
    func makeNonBlocking() -> Bool {
        let flags = fcntl(fd, F_GETFL)
        return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
    }

    /// Waits until a connection is ready or `wakeFD` becomes readable; returns an accepted connection with
    /// read and write timeouts set, or nil (nothing to accept, or woken for a stop).
    func acceptConnection(wakeFD: Int32, timeout: Duration) -> Int32? {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 2, -1) > 0, fds[1].revents == 0, fds[0].revents & Int16(POLLIN) != 0 else { return nil }
        // Linux does not pass O_NONBLOCK on to the accepted socket: libfcgi gets a blocking one, bounded by the timeouts.
        let conn = accept(fd, nil, nil)
        guard conn >= 0 else { return nil }
        // No child process may inherit a connection (accept4 with SOCK_CLOEXEC is not visible to Swift here).
        guard fcntl(conn, F_SETFD, FD_CLOEXEC) == 0 else {
            close(conn)
            return nil
        }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        guard setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, size) == 0, setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, size) == 0 else {
            close(conn)
            return nil
        }
        return conn
    }

    func removeSocketFile() {
        guard let socketPath else { return }
        _ = unlink(socketPath)
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
