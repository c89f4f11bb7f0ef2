// swift-tools-version:6.0
// Micro-benchmark of the auth check's parts (bench/micro/run builds and runs it; never part of CI).
// The main package has no library product, so this package compiles the same sources (symlinked from
// ../../Sources) with the same flags as a release build: the main Package.swift stays untouched.
import PackageDescription

let package = Package(
    name: "GatehouseMicro",
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "GatehouseCrypto", dependencies: ["COpenSSL"]),
        .target(
            name: "GatehouseCore",
            dependencies: [
                "GatehouseCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(name: "GatehouseMicro", dependencies: ["GatehouseCore", "GatehouseCrypto",
                                                                  .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
