internal import CHiredis
import Glibc

/// One blocking hiredis connection with a connect and a command timeout. Commands go out as binary-safe
/// argument vectors (`redisCommandArgv`) and come back as `RedisReply`. Owns its `redisContext` and frees it in
/// deinit; not thread-safe (its owner serializes every use). After a failure that `breaksConnection`, hiredis
/// has marked the context dead: the owner drops this object and connects again.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects to `host:port` within `connectTimeout` seconds; every later read and write waits at most
    /// `commandTimeout` seconds.
    init(host: String, port: Int, connectTimeout: Double, commandTimeout: Double) throws(RedisError) {
        guard !host.utf8.contains(0) else { throw RedisError(.connect, "the host name holds a NUL byte") }
        guard let context = redisConnectWithTimeout(host, Int32(clamping: port), timeval(seconds: connectTimeout)) else {
            throw RedisError(.connect, "out of memory")
        }
        guard context.pointee.err == 0 else {
            let detail = Self.errorText(context)
            redisFree(context)
            throw RedisError(.connect, detail)
        }
        self.context = context
        // From here on deinit frees the context.
        guard redisSetTimeout(context, timeval(seconds: commandTimeout)) == REDIS_OK else {
            throw RedisError(.connect, "cannot set the command timeout: \(Self.errorText(context))")
        }
        // TCP keepalive finds a peer that vanished without closing (a crashed host) on an idle subscription.
        guard redisEnableKeepAlive(context) == REDIS_OK else {
            throw RedisError(.connect, "cannot enable TCP keepalive: \(Self.errorText(context))")
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and reads its reply. A refusal (`-ERR`) is returned as `.error`, not thrown.
    func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        let raw = SigPipe.suppressed {
            Self.withArgv(arguments) { count, argv, lengths in redisCommandArgv(context, count, argv, lengths) }
        }
        guard let raw else { throw failure(Self.name(arguments)) }
        defer { freeReplyObject(raw) }
        return try RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends several commands in one write and reads their replies in order: one round trip.
    func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        for arguments in commands {
            let appended = Self.withArgv(arguments) { count, argv, lengths in
                redisAppendCommandArgv(context, count, argv, lengths)
            }
            guard appended == REDIS_OK else { throw failure(Self.name(arguments)) }
        }
        var replies: [RedisReply] = []
        for arguments in commands {
            var raw: UnsafeMutableRawPointer?
            // The first redisGetReply writes the whole buffer, then every call reads one reply.
            let status = SigPipe.suppressed { redisGetReply(context, &raw) }
            guard status == REDIS_OK, let raw else { throw failure(Self.name(arguments)) }
            defer { freeReplyObject(raw) }
            replies.append(try RedisReply(raw.assumingMemoryBound(to: redisReply.self)))
        }
        return replies
    }

    /// Sends one command without reading its reply (a PING on a subscribed connection, answered among the
    /// messages that `nextPushedReply` reads).
    func send(_ arguments: [[UInt8]]) throws(RedisError) {
        let appended = Self.withArgv(arguments) { count, argv, lengths in
            redisAppendCommandArgv(context, count, argv, lengths)
        }
        guard appended == REDIS_OK else { throw failure(Self.name(arguments)) }
        var done: Int32 = 0
        while done == 0 {
            guard SigPipe.suppressed({ redisBufferWrite(context, &done) }) == REDIS_OK else {
                throw failure(Self.name(arguments))
            }
        }
    }

    /// True when an idle connection has something to read, which between commands can only be the server
    /// closing it (a restart, a client timeout): checked before use, so such a connection is replaced rather
    /// than failing the call that finds it.
    var isClosedByPeer: Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0  // readable, hung up, or poll itself failing: do not trust it
    }

    /// The next reply the server sends on its own (a pub/sub message on a subscribed connection), waiting at
    /// most `timeout` seconds (0: only what has already arrived). Nil when none came in time. Waits with poll(2)
    /// rather than the socket timeout, which would leave hiredis's context dead after a quiet period.
    func nextPushedReply(timeout: Double) throws(RedisError) -> RedisReply? {
        let deadline = ContinuousClock.now + .seconds(max(0, timeout))
        while true {
            if let reply = try bufferedReply() { return reply }
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Self.pollMilliseconds(until: deadline))
            if ready < 0 {
                if errno == EINTR { continue }
                throw RedisError(.io, "poll: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { return nil }
            // Readable (or closed, which redisBufferRead reports as an error): read what is there.
            guard redisBufferRead(context) == REDIS_OK else { throw failure("reading a message") }
        }
    }

    /// A reply hiredis has already read and parsed, if any; never touches the socket.
    private func bufferedReply() throws(RedisError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw failure("reading a message") }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return try RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// The error hiredis recorded on the context, as a `RedisError` naming what was being done.
    private func failure(_ doing: String) -> RedisError {
        let text = Self.errorText(context)
        switch context.pointee.err {
        // A blocking socket's SO_RCVTIMEO/SO_SNDTIMEO expiring reads as EAGAIN.
        case REDIS_ERR_IO where text == String(cString: strerror(EAGAIN)):
            return RedisError(.timeout, doing)
        case REDIS_ERR_PROTOCOL: return RedisError(.protocolError, "\(doing): \(text)")
        case REDIS_ERR_OOM: return RedisError(.io, "\(doing): out of memory")
        default: return RedisError(.io, "\(doing): \(text)")
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "unknown error" : text
    }

    /// The command's name, for errors: never its arguments, which may be values or a password.
    private static func name(_ arguments: [[UInt8]]) -> String {
        String(decoding: arguments.first ?? [], as: UTF8.self)
    }

    /// Lends hiredis the argument vector: every argument in one buffer, with a pointer and a length each.
    private static func withArgv<R>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        // One extra byte, so the buffer is never empty and every offset (also of a final empty argument) is in it.
        let joined: [UInt8] = Array(arguments.joined()) + [0]
        let lengths = arguments.map(\.count)
        return joined.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!)
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = lengths.map { length in
                defer { offset += length }
                return (base + offset).assumingMemoryBound(to: CChar.self)
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { body(Int32(arguments.count), argv.baseAddress!, $0.baseAddress!) }
            }
        }
    }

    private static func pollMilliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = deadline - .now
        guard remaining > .zero else { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }
}

extension RedisReply {
    /// Copies hiredis's reply tree (which the caller frees).
    init(_ reply: UnsafePointer<redisReply>) throws(RedisError) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .string(r.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: r.str, count: r.len)))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: UnsafeRawBufferPointer(start: r.str, count: r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: UnsafeRawBufferPointer(start: r.str, count: r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_NIL:
            self = .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                guard let element = r.element[index] else { throw RedisError(.protocolError, "an array with a hole") }
                elements.append(try RedisReply(element))
            }
            self = .array(elements)
        default:
            throw RedisError(.protocolError, "reply type \(r.type)")
        }
    }
}
