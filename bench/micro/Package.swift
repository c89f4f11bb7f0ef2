// swift-tools-version:6.0
// Micro-benchmark of the auth check's parts (bench/micro/run builds and runs it; never part of CI). It depends
// on the main package by path, as fuzz/ does, so it measures exactly the sources and targets Gatehouse ships
// (built with release flags by `swift build -c release`).
import Foundation
import PackageDescription

// The main package is two folders up; SwiftPM names a path dependency after its folder.
let mainFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "GatehouseMicro",
    dependencies: [
        .package(path: mainFolder.path),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(name: "GatehouseMicro", dependencies: [
            .product(name: "GatehouseCore", package: mainFolder.lastPathComponent),
            .product(name: "GatehouseCrypto", package: mainFolder.lastPathComponent),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
