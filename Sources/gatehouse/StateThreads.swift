import Foundation
import GatehouseCore
import Logging

/// The background threads of the state store: one keeps the in-memory mirror current (change feed, periodic
/// full resync, housekeeping; reconnects with backoff when the store is down), the others run due refreshes.
/// The check never waits for any of them. They follow the current core: after a reload they sync and refresh
/// through the new one (whose mirror the reload filled before it served).
enum StateThreads {
    /// Full resync and purge of expired entries, this often.
    static let resyncSeconds: Int64 = 60
    static let refresherThreads = 2

    static func start(_ current: @escaping @Sendable () -> Gatehouse, logger: Logger) {
        guard current().lifecycle != nil else { return }
        let sync = Thread { runSync({ current().lifecycle }, logger: logger) }
        sync.name = "gatehouse-state-sync"
        sync.start()
        for i in 0..<refresherThreads {
            let t = Thread { while true { _ = current().refreshStep(timeout: 5) } }
            t.name = "gatehouse-refresh-\(i)"
            t.start()
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// `current`: the current core's lifecycle (a reload keeps the store, so it never becomes nil).
    static func runSync(_ current: @Sendable () -> SessionLifecycle?, logger: Logger) {
        var full = true
        var lastFull: Int64 = 0
        var backoff = 1.0
        var down = false
        while true {
            guard let lifecycle = current() else { return }
            do throws(StateStoreError) {
                let t = now()
                if full || t - lastFull >= resyncSeconds {
                    try lifecycle.sync(now: t, full: true)
                    try lifecycle.purge(now: t)
                    lastFull = t
                    full = false
                    logger.debug("state mirror resynced", metadata: ["mirror": .string(lifecycle.mirrorSummary)])
                } else {
                    try lifecycle.sync(now: t)
                }
                if down {
                    logger.notice("state store reachable again", metadata: ["store": .string(lifecycle.store.description)])
                    down = false
                }
                backoff = 1
                _ = try lifecycle.waitForChange(timeout: 1)
            } catch {
                if !down {
                    logger.error("state store unreachable: checks go on with the last known revocations; retrying with backoff",
                                 metadata: ["store": .string(lifecycle.store.description), "detail": .string(error.description)])
                }
                down = true
                full = true
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 30)
            }
        }
    }
}
