// swift-tools-version:6.0
// Gatehouse: an OpenID Connect login layer for nginx and Apache, as a FastCGI program.
// C libraries sit in one systemLibrary target each; only the thin wrapper modules import them.
import PackageDescription

let package = Package(
    name: "Gatehouse",
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        // For the fuzz harnesses in fuzz/ (a separate package built with sanitizers) and bench/micro.
        .library(name: "GatehouseCore", targets: ["GatehouseCore"]),
        .library(name: "GatehouseCrypto", targets: ["GatehouseCrypto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // `[gatehouse.pages] templates`: the operator's page layout (no dependencies of its own).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Metrics: the core counts through swift-metrics' API; the executable plugs in the Prometheus backend.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C at the edge: one module per C library, found with pkg-config.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CJose", pkgConfig: "cjose", providers: [.apt(["libcjose-dev", "libjansson-dev"])]),
        // No pkgConfig: hiredis.pc's cflags carry -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning on
        // every build; shim.h includes <hiredis/hiredis.h> from the default path and the modulemap links it.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),

        // Thin wrappers: the only modules that import a C module.
        .target(name: "GatehouseCrypto", dependencies: ["COpenSSL"]),
        .target(name: "GatehouseJOSE", dependencies: ["CJose"]),
        .target(name: "GatehouseHTTPClient", dependencies: ["CCurl"]),

        // The pure core: config, sessions, routes, OIDC flow. No C module, no sockets.
        .target(
            name: "GatehouseCore",
            dependencies: [
                "GatehouseCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            // The spin model of the session protocol (scripts/check-model), next to the code it describes.
            exclude: ["State/SessionProtocol.pml"]
        ),

        // Edges that talk to the world and convert to and from core types.
        .target(
            name: "GatehouseFastCGI",
            dependencies: ["CFastCGI", "GatehouseCore", .product(name: "Logging", package: "swift-log")]
        ),
        // The state store's backends (the protocol is GatehouseCore's `StateStore`).
        .target(
            name: "GatehouseStateSQLite",
            dependencies: ["GatehouseCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The Redis backend of the state store (`StateStore` lives in the core): hiredis behind a Swift type.
        .target(name: "GatehouseStateRedis", dependencies: ["CHiredis", "GatehouseCore"]),

        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "GatehouseCore", "GatehouseFastCGI", "GatehouseHTTPClient", "GatehouseJOSE", "GatehouseStateSQLite", "GatehouseStateRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        .testTarget(name: "GatehouseCryptoTests", dependencies: ["GatehouseCrypto"]),
        .testTarget(name: "GatehouseCoreTests", dependencies: [
            "GatehouseCore", "GatehouseCrypto", .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .testTarget(name: "GatehouseJOSETests", dependencies: ["GatehouseJOSE", "GatehouseCore"], exclude: ["make_vectors.py", "make_verifier_vectors.py"]),
        .testTarget(name: "GatehouseHTTPClientTests", dependencies: ["GatehouseHTTPClient"], exclude: ["http_test_server.py"]),
        .testTarget(name: "GatehouseFastCGITests", dependencies: ["GatehouseFastCGI", "GatehouseCore"]),
        // Backend-independent checks of a `StateStore`, shared by every backend's tests (not a test target itself).
        .target(name: "StateStoreConformance", dependencies: ["GatehouseCore"], path: "Tests/StateStoreConformance"),
        .testTarget(name: "GatehouseStateSQLiteTests", dependencies: ["GatehouseStateSQLite", "StateStoreConformance", "GatehouseCore"]),
        .testTarget(name: "GatehouseStateRedisTests", dependencies: ["GatehouseStateRedis", "StateStoreConformance", "GatehouseCore"]),
    ],
    swiftLanguageModes: [.v6]
)
