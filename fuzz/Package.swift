// swift-tools-version:6.0
// libFuzzer harnesses for every parser of untrusted bytes in GatehouseCore. Built and run by fuzz/run with
// `-sanitize=fuzzer,address`; not part of the main package so that its normal build stays unsanitized.
import Foundation
import PackageDescription

// The main package is this folder's parent; SwiftPM names a path dependency after its folder.
let mainFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let harnesses = ["session-cookie", "return-url", "fastcgi-params", "provider-metadata", "jwks", "id-token", "token-response", "config"]

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
