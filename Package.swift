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
    ],
    targets: [
        // C at the edge: one module per C library, found with pkg-config.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CJose", pkgConfig: "cjose", providers: [.apt(["libcjose-dev", "libjansson-dev"])]),

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
            ],
            // The spin model of the session protocol (scripts/check-model), next to the code it describes.
            exclude: ["State/SessionProtocol.pml"]
        ),

        // Edges that talk to the world and convert to and from core types.
        .target(
            name: "GatehouseFastCGI",
            dependencies: ["CFastCGI", "GatehouseCore", .product(name: "Logging", package: "swift-log")]
        ),
        

        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "GatehouseCore", "GatehouseFastCGI", "GatehouseHTTPClient", "GatehouseJOSE",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "GatehouseCryptoTests", dependencies: ["GatehouseCrypto"]),
        .testTarget(name: "GatehouseCoreTests", dependencies: ["GatehouseCore", "GatehouseCrypto"]),
        .testTarget(name: "GatehouseJOSETests", dependencies: ["GatehouseJOSE", "GatehouseCore"], exclude: ["make_vectors.py", "make_verifier_vectors.py"]),
        .testTarget(name: "GatehouseHTTPClientTests", dependencies: ["GatehouseHTTPClient"], exclude: ["http_test_server.py"]),
        .testTarget(name: "GatehouseFastCGITests", dependencies: ["GatehouseFastCGI", "GatehouseCore"]),
    ],
    swiftLanguageModes: [.v6]
)
