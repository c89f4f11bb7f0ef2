// swift-tools-version:6.0
// The revocation mirror at scale (bench/revocations/run builds and runs it; never part of CI): memory, false
// positives and ns per lookup of `RevokedSessionSet` with a generated load. It depends on the main package by
// path, as bench/micro does, so it measures exactly the sources Gatehouse ships, release-built.
import Foundation
import PackageDescription

// The main package is two folders up; SwiftPM names a path dependency after its folder.
let mainFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "GatehouseRevocations",
    dependencies: [
        .package(path: mainFolder.path),
    ],
    targets: [
        .executableTarget(name: "GatehouseRevocations", dependencies: [
            .product(name: "GatehouseCore", package: mainFolder.lastPathComponent),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
