/// The in-memory mirror of revoked session ids: what the auth check asks "is this session revoked?", with one
/// cache-line read and a bounded amount of memory, at the price of a stated false-positive rate (a session wrongly
/// taken for revoked costs its user one silent re-login). Never a false negative: an inserted id is found
/// until its slice expires.
///
/// Not thread-safe: the caller (the mirror) holds a lock around every call. It owns raw memory, so it is not
/// `Sendable` either.
///
/// ## Design
/// - **Slices by expiry.** The cookie lifetime is cut into 32 windows of `sliceWidth = ⌈lifetime / 32⌉` seconds
///   (30 days: 22.5 hours). A revocation goes into the slice of its session's `expiresAt`; `contains` is given the
///   same `expiresAt` (from the cookie) and probes only that slice, so the false-positive rate is one slice's,
///   not the sum over slices. A slice is dropped whole once its window has passed (`removeExpired`): that is
///   the expiry, with no per-entry deletion. Live entries span at most 33 slices (the current window, partly
///   expired, and the 32 after it), so memory is about 33 × one slice.
/// - **A slice is a split-block Bloom filter**, allocated on its first insert: 64-byte blocks (one cache line,
///   aligned), the block chosen by `hi` (multiply-shift), and one bit set in each of its eight 64-bit words,
///   at bit `(lo >> 6j) & 63` of word j (k = 8; 48 bits of `lo`). Ids are uniformly random, so their bits are
///   the hash. A lookup reads one cache line, branch-free, without allocating.
/// - **Sizing.** A slice is sized for 1.25 × its share (`capacity / 32`) at 16 bits an entry (32 entries a
///   block): 20 bits for each entry of its share, 20.6 bits per revoked session at capacity counting the
///   33rd slice. The false-positive rate of a slice holding λ entries a block on average (Poisson block loads) is
///   Σⱼ Pois(λ; j) · (1 − (63/64)ʲ)⁸:
///   - at capacity, spread evenly (λ = 25.6): 0.026 % — `falsePositiveRate`;
///   - a slice holding 1.25 × its share (λ = 32), e.g. the weekday slices of a weekly rhythm: 0.091 %;
///   - 1.4 × its share: 0.17 %; 2 ×: 1.05 % (graceful: the rate grows, nothing is forgotten).
///   A classic Bloom filter with 20 bits an entry would reach 0.007 % but with k = 14 cache misses a lookup;
///   the one-line block is ~4 × that for one miss. `isOverCapacity` says when a slice holds more than its
///   1.25 share, i.e. its lookups exceed 0.1 %.
/// - **Memory.** `sliceBytes = ⌈⌈capacity · 1.25 / 32⌉ / 32⌉ · 64`; `memoryBytes ≤ memoryBound = 34 · sliceBytes`
///   plus a 1.5 KB table of slices while every `expiresAt` lies within `lifetime` of its insertion and
///   `removeExpired` runs at least once per `sliceWidth` (33 slices live, one more until the oldest is dropped).
///   Worked case of issue 13 (one million users signing out once a day, 30-day cookies: `capacity` 30,000,000):
///   2.34 MB a slice, 77.3 MB for 33, bound 79.7 MB (21.3 bits per revoked session); default capacity
///   (1,000,000): 2.6 MB. `bench/revocations` measures both (`bench/results/revocations-*.md`): at 30 M a lookup
///   is one cache miss to DRAM. Backing the slices with 2 MB pages (an mmap arena with `MADV_HUGEPAGE`) saved
///   only ~15 % of that on our VM, not worth the core's first direct system call.
///
/// Slices are found through a 64-slot ring indexed by slice number; a slice whose ring slot another holds (only
/// when entries lie more than ~2 lifetimes apart, e.g. `removeExpired` not called) waits in a short overflow
/// list, so nothing is ever evicted early. Callers pass an `expiresAt` no later than the session can live (issue
/// time + lifetime): an entry far beyond `lifetime` holds a slice of its own until its window passes.
public final class RevokedSessionSet {
    /// Windows in one lifetime.
    public static let slicesPerLifetime = 32
    /// The false-positive rate at capacity, revocations spread evenly over the lifetime (the design rate).
    public static let falsePositiveRate = falsePositiveRate(entriesPerBlock: Double(entriesPerBlock) * 4 / 5)

    /// Entries a block holds at a slice's sized load (1.25 × its share): 512 bits / 32 = 16 bits each.
    static let entriesPerBlock = 32
    static let wordsPerBlock = 8
    static let blockBytes = 64
    /// Slots of the slice ring: a power of two, at least twice the 33 slices that can be live at once.
    static let ringSlots = 64

    /// The revoked sessions alive at once this set is sized for (`revocation_capacity`).
    public let capacity: Int
    /// The cookie lifetime, seconds.
    public let lifetime: Int64
    /// Seconds of expiry times one slice covers.
    public let sliceWidth: Int64
    /// Entries a slice holds at ≤ 0.1 % false positives: 1.25 × its share of `capacity`.
    public let entriesPerSlice: Int
    /// Bytes of one allocated slice.
    public let sliceBytes: Int
    private let blocksPerSlice: UInt64

    private let ring: UnsafeMutablePointer<Slice>
    /// Slices whose ring slot another slice holds; normally empty.
    private var overflow: [Slice] = []
    /// Revocations held by the live slices (an insert that set no new bit, such as a repeat, is not counted).
    /// Includes the already-expired part of the current window until its slice is dropped.
    public private(set) var count = 0
    /// Slices holding memory now.
    public private(set) var allocatedSlices = 0

    /// - Parameters:
    ///   - capacity: revoked sessions alive at once the set is sized for (`revocation_capacity`, default 1,000,000).
    ///   - lifetime: the cookie lifetime in seconds (`cookie_lifetime`).
    public init(capacity: Int, lifetime: Int64) {
        precondition(capacity >= 1 && capacity <= 1 << 50, "revocation capacity out of range: \(capacity)")
        precondition(lifetime >= 1, "lifetime must be at least one second: \(lifetime)")
        self.capacity = capacity
        self.lifetime = lifetime
        let slices = Self.slicesPerLifetime
        sliceWidth = (lifetime + Int64(slices) - 1) / Int64(slices)
        entriesPerSlice = (capacity * 5 + slices * 4 - 1) / (slices * 4)
        let blocks = (entriesPerSlice + Self.entriesPerBlock - 1) / Self.entriesPerBlock
        blocksPerSlice = UInt64(blocks)
        sliceBytes = blocks * Self.blockBytes
        ring = .allocate(capacity: Self.ringSlots)
        ring.initialize(repeating: .empty, count: Self.ringSlots)
    }

    deinit {
        for r in 0..<Self.ringSlots { drop(ring[r]) }
        for slice in overflow { drop(slice) }
        ring.deallocate()
    }

    /// Records that the session `id`, which expires at `expiresAt` (Unix seconds), is revoked.
    public func insert(_ id: SessionID, expiresAt: Int64) {
        let index = sliceIndex(expiresAt)
        let r = Self.slot(index)
        if ring[r].words == nil { ring[r] = allocateSlice(index) }
        if ring[r].index == index {
            add(id, to: &ring[r])
        } else if let k = overflow.firstIndex(where: { $0.index == index }) {
            add(id, to: &overflow[k])
        } else {
            overflow.append(allocateSlice(index))
            add(id, to: &overflow[overflow.count - 1])
        }
    }

    /// True when `id` was inserted with this `expiresAt` (and its slice has not expired), or, at the stated rate,
    /// when it was not. One cache line read; no allocation.
    public func contains(_ id: SessionID, expiresAt: Int64) -> Bool {
        let index = sliceIndex(expiresAt)
        let slice = ring[Self.slot(index)]
        if slice.index == index, let words = slice.words { return probe(words, id) }
        return !overflow.isEmpty && containsInOverflow(id, index)
    }

    /// Drops every slice whose window ended at or before `now`: all its sessions have expired (they end at
    /// `expiresAt`, which is before `now`). Call it at least once per `sliceWidth`.
    public func removeExpired(now: Int64) {
        let current = sliceIndex(now)
        for r in 0..<Self.ringSlots where ring[r].words != nil && ring[r].index < current {
            drop(ring[r])
            ring[r] = .empty
        }
        var kept: [Slice] = []
        for slice in overflow {
            if slice.index < current { drop(slice) }
            else if ring[Self.slot(slice.index)].words == nil { ring[Self.slot(slice.index)] = slice }
            else { kept.append(slice) }
        }
        overflow = kept
    }

    /// Bytes held: the allocated slices and the slice table.
    public var memoryBytes: Int {
        allocatedSlices * sliceBytes + (Self.ringSlots + overflow.capacity) * MemoryLayout<Slice>.stride
    }

    /// What `memoryBytes` stays under while every `expiresAt` lies within `lifetime` of the time it is inserted
    /// and `removeExpired` runs at least once per `sliceWidth`: 34 slices (33 live, one more while the oldest
    /// waits for `removeExpired`) and the slice table.
    public var memoryBound: Int {
        (Self.slicesPerLifetime + 2) * sliceBytes + Self.ringSlots * MemoryLayout<Slice>.stride
    }

    /// True when some slice holds more than `entriesPerSlice` (its lookups are past 0.1 % false positives):
    /// the caller logs a warning to raise `revocation_capacity`.
    public var isOverCapacity: Bool {
        (0..<Self.ringSlots).contains { ring[$0].count > entriesPerSlice } || overflow.contains { $0.count > entriesPerSlice }
    }

    /// The false-positive rate of a slice of this set holding `entries` revocations.
    public func falsePositiveRate(entriesInSlice entries: Int) -> Double {
        Self.falsePositiveRate(entriesPerBlock: Double(entries) / Double(blocksPerSlice))
    }

    /// Σⱼ Pois(λ; j) · (1 − (63/64)ʲ)⁸: the chance that all eight bits of an absent id are set in its block, over
    /// blocks holding j entries (Poisson with mean λ, ids being uniform).
    static func falsePositiveRate(entriesPerBlock lambda: Double) -> Double {
        // Poisson weights by their ratio (w₀ = 1, wⱼ = wⱼ₋₁ · λ / j), normalised at the end: no exp needed.
        var weight = 1.0, total = 0.0, sum = 0.0, zeroChance = 1.0
        for j in 0..<max(64, Int(lambda * 8)) {
            if j > 0 {
                weight *= lambda / Double(j)
                zeroChance *= 63.0 / 64.0
            }
            let one = 1 - zeroChance, two = one * one, four = two * two
            total += weight
            sum += weight * four * four
        }
        return sum / total
    }

    // MARK: Slices

    private struct Slice {
        /// ⌊expiresAt / sliceWidth⌋ of its entries.
        var index: Int64
        /// `blocksPerSlice` × 8 words, 64-byte aligned; nil for an empty ring slot.
        var words: UnsafeMutablePointer<UInt64>?
        var count: Int

        /// An empty ring slot (a computed value: a pointer field keeps the struct from being `Sendable`).
        static var empty: Slice { Slice(index: .min, words: nil, count: 0) }
    }

    /// ⌊expiresAt / sliceWidth⌋, rounding down for times before 1970 too.
    @inline(__always) private func sliceIndex(_ expiresAt: Int64) -> Int64 {
        let q = expiresAt / sliceWidth
        return expiresAt % sliceWidth < 0 ? q - 1 : q
    }

    @inline(__always) private static func slot(_ index: Int64) -> Int {
        Int(truncatingIfNeeded: index) & (ringSlots - 1)
    }

    /// The id's block: `hi` scaled to the block count (multiply-shift, no division).
    @inline(__always) private func block(_ words: UnsafeMutablePointer<UInt64>, _ id: SessionID) -> UnsafeMutablePointer<UInt64> {
        let block = id.hi.multipliedFullWidth(by: blocksPerSlice).high
        return words + Int(truncatingIfNeeded: block) &* Self.wordsPerBlock
    }

    /// The bit the id sets in word `j` of its block: 6 bits of `lo` each.
    @inline(__always) private static func bit(_ lo: UInt64, word j: Int) -> UInt64 {
        1 &<< ((lo &>> UInt64(6 &* j)) & 63)
    }

    @inline(__always) private func probe(_ words: UnsafeMutablePointer<UInt64>, _ id: SessionID) -> Bool {
        let b = block(words, id)
        var missing: UInt64 = 0
        for j in 0..<Self.wordsPerBlock { missing |= ~b[j] & Self.bit(id.lo, word: j) }
        return missing == 0
    }

    private func containsInOverflow(_ id: SessionID, _ index: Int64) -> Bool {
        guard let slice = overflow.first(where: { $0.index == index }), let words = slice.words else { return false }
        return probe(words, id)
    }

    private func add(_ id: SessionID, to slice: inout Slice) {
        guard let words = slice.words else { preconditionFailure("adding to an empty slice") }
        let b = block(words, id)
        var added: UInt64 = 0
        for j in 0..<Self.wordsPerBlock {
            let bit = Self.bit(id.lo, word: j)
            added |= ~b[j] & bit
            b[j] |= bit
        }
        if added != 0 {
            slice.count += 1
            count += 1
        }
    }

    /// A zeroed slice, its blocks on cache-line boundaries.
    private func allocateSlice(_ index: Int64) -> Slice {
        allocatedSlices += 1
        let raw = UnsafeMutableRawPointer.allocate(byteCount: sliceBytes, alignment: Self.blockBytes)
        return Slice(index: index, words: raw.initializeMemory(as: UInt64.self, repeating: 0, count: sliceBytes / 8), count: 0)
    }

    private func drop(_ slice: Slice) {
        guard let words = slice.words else { return }
        UnsafeMutableRawPointer(words).deallocate()
        allocatedSlices -= 1
        count -= slice.count
    }
}
