// The revocation mirror (RevokedSessionSet) under a generated load: memory (its own count and the process's
// resident growth), false positives measured on random non-members, ns per lookup and per insert. Prints
// Markdown tables on stdout; bench/revocations/run adds the machine and writes bench/results/. Each case runs in
// a process of its own (this executable with `--case CAPACITY REVOCATIONS`, answering one JSON line), so the
// resident growth of one is not memory the allocator kept from the one before.
import Foundation
import GatehouseCore

let day: Int64 = 86_400
let lifetime = 30 * day
let now: Int64 = 1_800_000_000
let timingQueries = 1 << 19  // a power of two (the chained walk masks)
let timingRuns = 7

/// SplitMix64 (Steele, Lea, Flood 2014): seeded, repeatable, uniform 64-bit values.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A session id and an expiry uniform in (now, now + lifetime]: one revoked (or live) session.
    mutating func session() -> (id: SessionID, expiresAt: Int64) {
        (SessionID(hi: next(), lo: next()), now + 1 + Int64(next() % UInt64(lifetime)))
    }
}

/// Resident bytes of this process (/proc/self/statm, second field, in pages).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return -1 }
    return pages * sysconf(Int32(_SC_PAGESIZE))
}

/// This thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID): on a box shared with other builds, the time the
/// process waits for a core is not counted (what it finds evicted from the caches when it runs again still is).
func cpuSeconds() -> Double {
    var t = timespec()
    precondition(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0, "clock_gettime")
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// CPU seconds `body` took.
func cpuTime(_ body: () -> Void) -> Double {
    let start = cpuSeconds()
    body()
    return cpuSeconds() - start
}

nonisolated(unsafe) var sink = 0

/// ns per operation, one sample per pass (of every round once merged).
struct Timing: Codable {
    var samples: [Double]
    var median: Double { samples.sorted()[samples.count / 2] }
    var text: String { String(format: "%.1f (%.1f–%.1f)", median, samples.min() ?? 0, samples.max() ?? 0) }
    static func + (a: Timing, b: Timing) -> Timing { Timing(samples: a.samples + b.samples) }
}

/// ns per `contains` over `queries`, median of `timingRuns` passes. Independent: the lookups of one pass may
/// overlap in the CPU (throughput). Chained: which query comes next depends on the previous answer, so each
/// lookup waits for the one before (latency: one request's check, its cache line not yet fetched).
func timeLookups(_ set: RevokedSessionSet, _ queries: [(id: SessionID, expiresAt: Int64)], chained: Bool) -> Timing {
    let mask = queries.count - 1
    var samples: [Double] = []
    for _ in 0..<timingRuns {
        var hits = 0
        let t = cpuTime {
            if chained {
                var i = 0
                for _ in 0..<queries.count {
                    let q = queries[i]
                    let hit = set.contains(q.id, expiresAt: q.expiresAt) ? 1 : 0
                    hits &+= hit
                    i = (i &+ 1 &+ hit) & mask
                }
            } else {
                for q in queries where set.contains(q.id, expiresAt: q.expiresAt) { hits &+= 1 }
            }
        }
        sink &+= hits
        samples.append(t * 1e9 / Double(queries.count))
    }
    return Timing(samples: samples)
}

struct Row: Codable {
    var capacity: Int, revocations: Int, strangers: Int
    var slices: Int, memoryBytes: Int, memoryBound: Int, residentGrowth: Int
    var insert: Timing
    var expectedRate: Double, positives: Int, overCapacity: Bool
    var member: Timing, memberChained: Timing, stranger: Timing, strangerChained: Timing
}

func measure(capacity: Int, revocations: Int, strangers: Int) -> Row {
    let residentBefore = residentBytes()
    let set = RevokedSessionSet(capacity: capacity, lifetime: lifetime)
    var revoked = SplitMix64(seed: 1)
    let filling = cpuTime {
        for _ in 0..<revocations {
            let s = revoked.session()
            set.insert(s.id, expiresAt: s.expiresAt)
        }
    }
    let residentGrowth = residentBytes() - residentBefore

    var others = SplitMix64(seed: 2)
    var positives = 0
    for _ in 0..<strangers {
        let s = others.session()
        if set.contains(s.id, expiresAt: s.expiresAt) { positives += 1 }
    }

    // The first revocations again (same seed, repeated when there are fewer), and fresh non-members, as query lists.
    var again = SplitMix64(seed: 1)
    let distinct = (0..<min(revocations, timingQueries)).map { _ in again.session() }
    let members = (0..<timingQueries).map { distinct[$0 % distinct.count] }
    var fresh = SplitMix64(seed: 3)
    let nonMembers = (0..<timingQueries).map { _ in fresh.session() }
    precondition(members.allSatisfy { set.contains($0.id, expiresAt: $0.expiresAt) }, "a false negative")

    return Row(
        capacity: capacity, revocations: revocations, strangers: strangers,
        slices: set.allocatedSlices, memoryBytes: set.memoryBytes, memoryBound: set.memoryBound, residentGrowth: residentGrowth,
        insert: Timing(samples: [filling * 1e9 / Double(revocations)]),
        expectedRate: set.falsePositiveRate(entriesInSlice: revocations / RevokedSessionSet.slicesPerLifetime),
        positives: positives, overCapacity: set.isOverCapacity,
        member: timeLookups(set, members, chained: false), memberChained: timeLookups(set, members, chained: true),
        stranger: timeLookups(set, nonMembers, chained: false), strangerChained: timeLookups(set, nonMembers, chained: true)
    )
}

func count(_ n: Int) -> String {
    n >= 1_000_000 && n % 1_000_000 == 0 ? "\(n / 1_000_000) M" : n % 1_000 == 0 ? "\(n / 1_000) k" : "\(n)"
}
func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
func percent(_ rate: Double) -> String { String(format: "%.4f %%", rate * 100) }

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "--case", let capacity = Int(arguments[2]), let revocations = Int(arguments[3]) {
    let row = measure(capacity: capacity, revocations: revocations, strangers: 10_000_000)
    FileHandle.standardOutput.write(try JSONEncoder().encode(row))
    exit(sink == 42 ? 1 : 0)
}

/// Runs one case in a child process (this executable, `--case`).
func measureApart(capacity: Int, revocations: Int) throws -> Row {
    FileHandle.standardError.write(Data("revocations: capacity \(count(capacity)), \(count(revocations)) revoked\n".utf8))
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    child.arguments = ["--case", "\(capacity)", "\(revocations)"]
    let pipe = Pipe()
    child.standardOutput = pipe
    try child.run()
    let answer = pipe.fileHandleForReading.readDataToEndOfFile()
    child.waitUntilExit()
    guard child.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return try JSONDecoder().decode(Row.self, from: answer)
}

/// One row of several rounds: the same deterministic memory and false positives, every round's timings.
func merge(_ rounds: [Row]) -> Row {
    var row = rounds[0]
    for r in rounds.dropFirst() {
        row.member = row.member + r.member
        row.memberChained = row.memberChained + r.memberChained
        row.stranger = row.stranger + r.stranger
        row.strangerChained = row.strangerChained + r.strangerChained
        row.insert = row.insert + r.insert
        row.residentGrowth = max(row.residentGrowth, r.residentGrowth)
    }
    return row
}

let quick = arguments.contains("--quick")
let rounds = arguments.firstIndex(of: "--rounds").flatMap { arguments.dropFirst($0 + 1).first }.flatMap { Int($0) } ?? 3
let million = 1_000_000
var cases: [(capacity: Int, revocations: Int)] = quick ? [] : [(30 * million, 30 * million)]
// The default capacity at 1, 1.25 and 2 × its load; and a small set that stays in the CPU's caches (the floor).
cases += [(million, million), (million, million * 5 / 4), (million, 2 * million), (10_000, 10_000)]
// Rounds interleaved (every case once per round), so a burst of load on the box spreads over all cases.
var measured: [[Row]] = Array(repeating: [], count: cases.count)
for _ in 0..<rounds {
    for (i, c) in cases.enumerated() { measured[i].append(try measureApart(capacity: c.capacity, revocations: c.revocations)) }
}
let rows = measured.map(merge)

print("""
Design false-positive rate at capacity (`RevokedSessionSet.falsePositiveRate`): \(percent(RevokedSessionSet.falsePositiveRate)); \
a slice is sized for 1.25 × its share, where its rate is \(percent(RevokedSessionSet(capacity: million, lifetime: lifetime).falsePositiveRate(entriesInSlice: (million * 5 + 127) / 128))).

## Memory

| capacity | revoked sessions alive | slices | `memoryBytes` MB | bits per revoked session | resident growth MB (/proc/self/statm) | `memoryBound` MB |
|---|---|---|---|---|---|---|
""")
for r in rows {
    print("| \(count(r.capacity)) | \(count(r.revocations)) | \(r.slices) | \(megabytes(r.memoryBytes)) | "
        + String(format: "%.1f", Double(r.memoryBytes * 8) / Double(r.revocations))
        + " | \(megabytes(r.residentGrowth)) | \(megabytes(r.memoryBound)) |")
}
print("""

## False positives (non-members: random ids, `expiresAt` uniform over the same 30 days)

| capacity | revoked sessions alive | load | expected rate at this load | measured | non-members asked | `isOverCapacity` |
|---|---|---|---|---|---|---|
""")
for r in rows {
    let measured = Double(r.positives) / Double(r.strangers)
    print("| \(count(r.capacity)) | \(count(r.revocations)) | " + String(format: "%.2f ×", Double(r.revocations) / Double(r.capacity))
        + " | \(percent(r.expectedRate)) | \(percent(measured)) (\(r.positives)) | \(count(r.strangers)) | \(r.overCapacity) |")
}
print("""

## ns per operation (thread CPU time; median of \(rounds) rounds × \(timingRuns) passes of \(count(timingQueries)) lookups; min–max)

Independent: a pass's lookups may overlap in the CPU (throughput). Chained: each lookup's answer picks the next \
query, so lookups wait for each other (latency, as one request's check meets a cache line not yet fetched). \
Insert: the whole fill, once a round, including the id generator (~2 ns).

| capacity | revoked sessions alive | contains, member | member, chained | contains, non-member | non-member, chained | insert |
|---|---|---|---|---|---|---|
""")
for r in rows {
    print("| \(count(r.capacity)) | \(count(r.revocations)) | \(r.member.text) | \(r.memberChained.text) | \(r.stranger.text) | "
        + "\(r.strangerChained.text) | " + String(format: "%.1f", r.insert.median) + " |")
}
