@testable import GatehouseCore
import Testing

/// The revocation mirror's set: no false negatives, the stated false-positive rate measured, expiry by slice,
/// memory within its formula; and the session id it is keyed by.
@Suite struct RevokedSessionSetTests {
    static let day: Int64 = 86_400
    static let lifetime = 30 * day
    static let now: Int64 = 1_800_000_000

    /// Revocations spread evenly over the sessions alive now: `expiresAt` uniform in (now, now + lifetime].
    static func fill(_ set: RevokedSessionSet, _ n: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<n { set.insert(rng.id(), expiresAt: rng.expiry(from: now, within: lifetime)) }
    }

    @Test func everyInsertedIdIsFound() {
        let set = RevokedSessionSet(capacity: 50_000, lifetime: Self.lifetime)
        Self.fill(set, 50_000, seed: 1)
        var rng = SplitMix64(seed: 1)
        var missed = 0
        for _ in 0..<50_000 where !set.contains(rng.id(), expiresAt: rng.expiry(from: Self.now, within: Self.lifetime)) { missed += 1 }
        #expect(missed == 0)
        #expect(set.count > 49_950, "only an insert whose bits were all set already goes uncounted")
        #expect(!set.isOverCapacity)
    }

    @Test func falsePositiveRateAtCapacityIsTheStatedOne() {
        let set = RevokedSessionSet(capacity: 100_000, lifetime: Self.lifetime)
        Self.fill(set, 100_000, seed: 2)
        var strangers = SplitMix64(seed: 3)
        let trials = 200_000
        var positives = 0
        for _ in 0..<trials where set.contains(strangers.id(), expiresAt: strangers.expiry(from: Self.now, within: Self.lifetime)) {
            positives += 1
        }
        let measured = Double(positives) / Double(trials)
        let stated = RevokedSessionSet.falsePositiveRate
        #expect(measured >= stated / 2 && measured <= stated * 2, "measured \(measured), stated \(stated)")
    }

    @Test func statedRatesMatchTheDesign() {
        #expect(RevokedSessionSet.falsePositiveRate > 0.000_2 && RevokedSessionSet.falsePositiveRate < 0.000_3)
        let set = RevokedSessionSet(capacity: 1_000_000, lifetime: Self.lifetime)
        #expect(set.falsePositiveRate(entriesInSlice: set.entriesPerSlice) < 0.001, "a slice at 1.25 × its share stays under 0.1 %")
        #expect(set.falsePositiveRate(entriesInSlice: 2 * set.entriesPerSlice) < 0.05, "and degrades gracefully past it")
    }

    @Test func anEntryGoesWithItsSlice() {
        let set = RevokedSessionSet(capacity: 1_000, lifetime: Self.lifetime)
        var rng = SplitMix64(seed: 4)
        let early = rng.id(), late = rng.id()
        let expiresAt = Self.now + Self.day
        set.insert(early, expiresAt: expiresAt)
        set.insert(late, expiresAt: expiresAt + 5 * set.sliceWidth)

        set.removeExpired(now: expiresAt - 1)
        #expect(set.contains(early, expiresAt: expiresAt), "kept while its session lives")

        set.removeExpired(now: expiresAt + set.sliceWidth)
        #expect(!set.contains(early, expiresAt: expiresAt), "its slice's window has passed")
        #expect(set.contains(late, expiresAt: expiresAt + 5 * set.sliceWidth))
        #expect(set.count == 1 && set.allocatedSlices == 1)

        set.removeExpired(now: expiresAt + 6 * set.sliceWidth)
        #expect(set.count == 0 && set.allocatedSlices == 0 && !set.contains(late, expiresAt: expiresAt + 5 * set.sliceWidth))
    }

    @Test func anIdIsFoundOnlyWithTheExpiryItWasRevokedWith() {
        let set = RevokedSessionSet(capacity: 1_000, lifetime: Self.lifetime)
        var rng = SplitMix64(seed: 5)
        let id = rng.id(), neighbour = rng.id()
        let expiresAt = Self.now + 10 * Self.day
        set.insert(id, expiresAt: expiresAt)
        set.insert(neighbour, expiresAt: expiresAt + set.sliceWidth)
        #expect(set.contains(id, expiresAt: expiresAt))
        #expect(!set.contains(id, expiresAt: expiresAt + set.sliceWidth), "another slice, allocated")
        #expect(!set.contains(id, expiresAt: expiresAt + Self.lifetime), "another slice, never allocated")
        #expect(!set.contains(SessionID(hi: id.hi, lo: ~id.lo), expiresAt: expiresAt))
    }

    @Test func slicesFarApartShareTheRingWithoutLosingEntries() {
        let set = RevokedSessionSet(capacity: 1_000, lifetime: Self.lifetime)
        var rng = SplitMix64(seed: 6)
        let first = rng.id(), far = rng.id()
        let expiresAt = Self.now + Self.day
        let farExpiry = expiresAt + 64 * set.sliceWidth
        set.insert(first, expiresAt: expiresAt)
        set.insert(far, expiresAt: farExpiry)
        #expect(set.contains(first, expiresAt: expiresAt) && set.contains(far, expiresAt: farExpiry))
        set.removeExpired(now: expiresAt + set.sliceWidth)
        #expect(!set.contains(first, expiresAt: expiresAt) && set.contains(far, expiresAt: farExpiry))
        set.insert(first, expiresAt: farExpiry)
        #expect(set.contains(first, expiresAt: farExpiry) && set.allocatedSlices == 1)
    }

    @Test func memoryGrowsBySliceAndStaysWithinItsBound() {
        let set = RevokedSessionSet(capacity: 100_000, lifetime: Self.lifetime)
        let table = set.memoryBound - 34 * set.sliceBytes
        #expect(set.memoryBytes == table)
        var rng = SplitMix64(seed: 7)
        set.insert(rng.id(), expiresAt: Self.now + 1)
        #expect(set.memoryBytes == table + set.sliceBytes)
        set.insert(rng.id(), expiresAt: Self.now + 1 + set.sliceWidth)
        #expect(set.memoryBytes == table + 2 * set.sliceBytes)

        // A year of sign-outs, the mirror cleaned hourly: never more than 33 slices.
        var most = 0
        for hour in stride(from: Int64(0), to: 365 * 24, by: 1) {
            let now = Self.now + hour * 3600
            set.removeExpired(now: now)
            for _ in 0..<20 { set.insert(rng.id(), expiresAt: rng.expiry(from: now, within: Self.lifetime)) }
            most = max(most, set.allocatedSlices)
            #expect(set.memoryBytes <= set.memoryBound)
        }
        #expect(most == 33)
        #expect(!set.isOverCapacity)
    }

    @Test func theWorkedCaseFitsInAHundredMegabytes() {
        // 30 million revocations alive (a million users signing out daily, 30-day cookies): the formula only.
        let set = RevokedSessionSet(capacity: 30_000_000, lifetime: Self.lifetime)
        #expect(set.sliceBytes == 36_622 * 64)
        #expect(set.memoryBound < 100_000_000)
        #expect(set.memoryBytes < 4096, "nothing allocated before the first revocation")
        let bitsPerEntry = Double(set.memoryBound * 8) / 30_000_000
        #expect(bitsPerEntry > 21 && bitsPerEntry < 21.5)
    }

    @Test func aSliceAllocatedAgainStartsEmpty() {
        let set = RevokedSessionSet(capacity: 10_000, lifetime: Self.lifetime)
        var rng = SplitMix64(seed: 10)
        let expiresAt = Self.now + Self.day
        let old = (0..<set.entriesPerSlice).map { _ in rng.id() }
        for id in old { set.insert(id, expiresAt: expiresAt) }
        set.removeExpired(now: expiresAt + set.sliceWidth)
        let later = expiresAt + 3 * set.sliceWidth
        set.insert(rng.id(), expiresAt: later)
        #expect(old.allSatisfy { !set.contains($0, expiresAt: later) }, "nothing of the dropped slice")
    }

    @Test func fortySlicesAliveAtOnceAreAllKept() {
        let set = RevokedSessionSet(capacity: 1_000, lifetime: Self.lifetime)
        var rng = SplitMix64(seed: 11)
        let revoked = (0..<40).map { n in (rng.id(), Self.now + Int64(n) * set.sliceWidth) }
        for (id, expiresAt) in revoked { set.insert(id, expiresAt: expiresAt) }
        #expect(set.allocatedSlices == 40 && set.memoryBytes > set.memoryBound, "removeExpired never ran")
        #expect(revoked.allSatisfy { set.contains($0.0, expiresAt: $0.1) })
        set.removeExpired(now: Self.now + 20 * set.sliceWidth)
        #expect(set.allocatedSlices == 20 && set.count == 20 && set.memoryBytes <= set.memoryBound)
        #expect(revoked.dropFirst(20).allSatisfy { set.contains($0.0, expiresAt: $0.1) })
    }

    @Test func aSlicePastItsShareSaysSo() {
        let set = RevokedSessionSet(capacity: 3_200, lifetime: Self.lifetime)
        var rng = SplitMix64(seed: 8)
        let expiresAt = Self.now + Self.day
        for _ in 0..<set.entriesPerSlice { set.insert(rng.id(), expiresAt: expiresAt) }
        #expect(!set.isOverCapacity)
        for _ in 0..<10 { set.insert(rng.id(), expiresAt: expiresAt) }
        #expect(set.isOverCapacity)
        set.removeExpired(now: expiresAt + set.sliceWidth)
        #expect(!set.isOverCapacity)
    }

    // MARK: SessionID

    @Test func sessionIDKnownAnswer() throws {
        let id = SessionID.random(FixedRandom(byte: 0))
        #expect(id.hi == 0x0001_0203_0405_0607 && id.lo == 0x0809_0A0B_0C0D_0E0F)
        #expect(id.text == "AAECAwQFBgcICQoLDA0ODw")
        #expect(SessionID(base64url: "AAECAwQFBgcICQoLDA0ODw") == id)
    }

    @Test func sessionIDRoundTrips() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<1_000 {
            let id = rng.id()
            #expect(id.text.utf8.count == 22)
            #expect(SessionID(base64url: id.text) == id)
        }
        let edges = [SessionID(hi: 0, lo: 0), SessionID(hi: .max, lo: .max)]
        for id in edges { #expect(SessionID(base64url: id.text) == id) }
        #expect(SessionID(hi: .max, lo: .max).text == "_____________________w")
    }

    @Test(arguments: [
        "", "AAECAwQFBgcICQoLDA0OD", "AAECAwQFBgcICQoLDA0ODwA", "AAECAwQFBgcICQoLDA0ODw==", "AAECAwQFBgcICQoLDA0OD=",
        "AAECAwQFBgcICQoLDA0OD+", "AAECAwQFBgcICQoLDA0OD/", "AAECAwQFBgcICQoLDA0OD.", "AAECAwQFBgcICQoLDA0OD ",
        "AAECAwQFBgcICQoLDA0ODx", "AAECAwQFBgcICQoLDA0OD\u{e9}", "AAECAwQFBgcICQoLDA0O\u{e9}",
    ])
    func sessionIDRefusesOtherText(text: String) {
        #expect(SessionID(base64url: text) == nil)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a seeded, repeatable stream of uniform 64-bit values.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func id() -> SessionID { SessionID(hi: next(), lo: next()) }

    /// Uniform in (from, from + within].
    mutating func expiry(from: Int64, within: Int64) -> Int64 {
        from + 1 + Int64(next() % UInt64(within))
    }
}
