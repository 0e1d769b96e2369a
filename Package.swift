// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-libvirt-sandbox",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SandboxCore", targets: ["SandboxCore"]),
        .library(name: "SandboxCoreTesting", targets: ["SandboxCoreTesting"]),
        .executable(name: "sandbox-demo", targets: ["sandbox-demo"]),
        .executable(name: "sandbox-bench", targets: ["sandbox-bench"]),
        .library(name: "SandboxSSH", targets: ["SandboxSSH"]),
        .library(name: "SandboxServer", targets: ["SandboxServer"]),
        .executable(name: "sandbox-server", targets: ["sandbox-server"]),
        .library(name: "SandboxMCP", targets: ["SandboxMCP"]),
        .executable(name: "sandbox-mcp", targets: ["sandbox-mcp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssh", from: "0.15.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibvirt",
            pkgConfig: "libvirt",
            providers: [.apt(["libvirt-dev"])]
        ),
        .systemLibrary(
            name: "CIsofs",
            pkgConfig: "libisofs-1",
            providers: [.apt(["libisofs-dev"])]
        ),
        // The layers, bottom up; each compiles only against the ones below it.
        // Values and errors: names, MACs, host names, addresses and the one public error type.
        .target(name: "SandboxValues", exclude: ["README.md"]),
        // The seed: the cloud-init model, its YAML, NoCloud and ConfigDrive layouts, ISO 9660 images.
        .target(
            name: "SandboxSeed",
            dependencies: [
                "SandboxValues",
                "CIsofs",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]
        ),
        // The libvirt binding: one connection actor per thread, the C shim's only importer, libvirt's
        // errors read into error codes, the DomainManager protocol the layers above talk to.
        .target(
            name: "SandboxLibvirt",
            dependencies: [
                "SandboxValues",
                "CLibvirt",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        // Domain XML: the typed domain description and its pure renderer.
        .target(name: "SandboxDomainXML", dependencies: ["SandboxValues"], exclude: ["README.md"]),
        .target(
            name: "SandboxCore",
            dependencies: [
                "SandboxValues",
                "SandboxSeed",
                "SandboxDomainXML",
                "SandboxLibvirt",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Test doubles and fixtures for code on SandboxCore: fakes, a call counter, base VMs, test-driver nodes.
        .target(name: "SandboxCoreTesting", dependencies: ["SandboxCore"], exclude: ["README.md"]),
        .executableTarget(
            name: "sandbox-demo",
            dependencies: [
                "SandboxCore",
                "SandboxCoreTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sandbox-bench",
            dependencies: [
                "SandboxCore",
                "SandboxCoreTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "SandboxSSH",
            dependencies: [
                "SandboxCore",
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SandboxServer",
            dependencies: [
                "SandboxCore",
                "SandboxSSH",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sandbox-server",
            dependencies: [
                "SandboxServer",
                "SandboxMCP",
                "SandboxCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "SandboxMCP",
            dependencies: [
                "SandboxServer",
                "SandboxCore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sandbox-mcp",
            dependencies: [
                "SandboxMCP",
                "SandboxServer",
                "SandboxCore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "example-seed-iso", dependencies: ["SandboxCore"], path: "Examples/SeedISO", exclude: ["README.md"]),
        .executableTarget(
            name: "example-sandbox-lifecycle", dependencies: ["SandboxCore"], path: "Examples/SandboxLifecycle",
            exclude: ["README.md"]),
        .executableTarget(
            name: "example-run-command", dependencies: ["SandboxCore"], path: "Examples/RunCommand",
            exclude: ["README.md"]),
        .testTarget(
            name: "SandboxCoreTests",
            dependencies: [
                "SandboxCore", "SandboxCoreTesting", .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "SandboxSSHTests",
            dependencies: ["SandboxSSH", "SandboxCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "SandboxServerTests",
            dependencies: [
                "SandboxServer",
                "SandboxMCP",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
                "SandboxCore",
                "SandboxCoreTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "SandboxE2ETests",
            dependencies: [
                "SandboxCore",
                "SandboxServer",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
