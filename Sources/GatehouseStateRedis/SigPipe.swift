import Glibc

/// hiredis writes with write(2), which raises SIGPIPE when Redis has closed the connection, and SIGPIPE's
/// default action ends the process. Around each write this blocks SIGPIPE on the calling thread and discards
/// the one the write raised, so the store is safe in a process that does not ignore SIGPIPE (the FastCGI server
/// does; a command-line tool need not). The failed write itself still fails with EPIPE, which hiredis reports.
enum SigPipe {
    static func suppressed<Result>(_ body: () -> Result) -> Result {
        var pipeOnly = sigset_t()
        var previous = sigset_t()
        // sigemptyset/sigaddset fail only for an invalid signal number; SIGPIPE is valid.
        guard sigemptyset(&pipeOnly) == 0, sigaddset(&pipeOnly, SIGPIPE) == 0,
              pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous) == 0
        else { return body() }
        // A SIGPIPE blocked and pending before this call is someone else's: leave it.
        let pendingBefore = isPending(SIGPIPE)
        let result = body()
        if !pendingBefore && isPending(SIGPIPE) {
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            // Takes the pending SIGPIPE; -1 only if it was delivered elsewhere meanwhile, which is as good.
            if sigtimedwait(&pipeOnly, nil, &noWait) < 0 { /* nothing left to discard */ }
        }
        if pthread_sigmask(SIG_SETMASK, &previous, nil) != 0 { /* only fails for a bad `how`; SIG_SETMASK is valid */ }
        return result
    }

    private static func isPending(_ signal: Int32) -> Bool {
        var pending = sigset_t()
        return sigpending(&pending) == 0 && sigismember(&pending, signal) == 1
    }
}
