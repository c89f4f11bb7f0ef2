// swift-tools-version:6.0
// libFuzzer harnesses for every parser of untrusted bytes in GatehouseCore. Built and run by fuzz/run with
// `-sanitize=fuzzer,address`; not part of the main package so that its normal build stays unsanitized.
import Foundation
import PackageDescription

// The main package is this folder's parent; SwiftPM names a path dependency after its folder.
let mainFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
// The harnesses are the folders Sources/fuzz-<name> (fuzz/run reads the same list).
let harnesses = ((try? FileManager.default.contentsOfDirectory(atPath: mainFolder.appendingPathComponent("fuzz/Sources").path)) ?? [])
    .filter { $0.hasPrefix("fuzz-") }.map { String($0.dropFirst("fuzz-".count)) }.sorted()

let package = Package(
    name: "GatehouseFuzz",
    dependencies: [.package(path: mainFolder.path)],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", .product(name: "GatehouseCore", package: mainFolder.lastPathComponent)]),
    ] + harnesses.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: [
            "FuzzSupport", .product(name: "GatehouseCore", package: mainFolder.lastPathComponent),
        ])
    },
    swiftLanguageModes: [.v6]
)
