// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-libvirt-sandbox",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SandboxCore", targets: ["SandboxCore"]),
        .executable(name: "sandbox-demo", targets: ["sandbox-demo"]),
        .executable(name: "sandbox-bench", targets: ["sandbox-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
        .target(
            name: "SandboxCore",
            dependencies: [
                "CLibvirt",
                "CIsofs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "sandbox-demo",
            dependencies: [
                "SandboxCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sandbox-bench",
            dependencies: [
                "SandboxCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
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
            dependencies: ["SandboxCore"]
        ),
        .testTarget(
            name: "SandboxE2ETests",
            dependencies: ["SandboxCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
