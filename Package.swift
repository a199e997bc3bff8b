// swift-tools-version:6.1
// csiloc: sub-wavelength localization from channel state information.
//
// Module graph, following the data (wire → ingest → model + search → publish): ZMQ and CSIWire carry frames
// and fixes; CSIChannel holds the physics and the ChannelModel seam; CSIModel builds models, CSISearch inverts
// any ChannelModel (the Localizer seam) and neither imports the other; CSITracking tracks the fixes; CSILocDaemon
// and CSICapture run them; CSIEvaluation measures them (runner, statistics, reports, daemon harness, benchmarks,
// demo) and CSIPlot draws its figures; CSIView serves the live map; CSINumerics, NumpyArchive and StrictYAML are
// the plumbing; csiloc and csilocd are thin executables. Diagram, one paragraph per module, threading:
// docs/architecture.md.
import PackageDescription

/// Numeric kernels vectorise only when the compiler may use FMA and wide vectors.
/// `haswell` (AVX2 + FMA) runs on any x86-64 server since 2013; other architectures keep the default.
/// Numeric modules are optimised in debug builds too: unoptimised Swift is 10–50× slower on these loops,
/// which would make the test suite (fits, searches) take many minutes.
let numericFlags: [SwiftSetting] = {
    var flags: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
    #if arch(x86_64)
    flags.append(.unsafeFlags(["-target-cpu", "haswell"]))
    #endif
    return flags
}()

let package = Package(
    name: "csiloc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "csiloc", targets: ["csiloc"]),
        .executable(name: "csilocd", targets: ["csilocd"]),
        .library(name: "CSIChannel", targets: ["CSIChannel"]),
        .library(name: "CSISearch", targets: ["CSISearch"]),
        // For the fuzz harnesses' package (Fuzz/Package.swift, docs/fuzzing.md), which depends on this one by path.
        .library(name: "CSIWire", targets: ["CSIWire"]),
        .library(name: "NumpyArchive", targets: ["NumpyArchive"]),
        .library(name: "CSIModel", targets: ["CSIModel"]),
        .library(name: "CSILocDaemon", targets: ["CSILocDaemon"]),
        .library(name: "CSIEvaluation", targets: ["CSIEvaluation"]),
        .library(name: "ZMQ", targets: ["ZMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The live map's HTTP server (CSIView): no dependencies of its own, 21–23 s of a clean release build on 2 cores vs 174 s for hummingbird + websocket
        // (docs/daemon.md, "Live map").
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
    ],
    targets: [
        // MARK: numerics
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CSINumerics",
            dependencies: ["COpenBLAS", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: numericFlags
        ),
        // MARK: file formats and configuration
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "NumpyArchive", dependencies: ["CZlib"]),
        .target(name: "StrictYAML", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "CSIPlot", dependencies: ["CZlib"]),
        // MARK: wire protocol v1 and capture files
        .target(name: "CSIWire"),
        // MARK: transport
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZMQ", dependencies: ["CZMQ"]),
        // MARK: capture tools: record, replay pacing, dataset import, frame/fix matching (docs/replay.md)
        .target(name: "CSICapture", dependencies: ["CSIWire", "ZMQ", "CSIChannel", "CSINumerics"]),
        // MARK: channel physics, simulation, datasets
        .target(
            name: "CSIChannel",
            dependencies: [
                "CSINumerics", "NumpyArchive", "StrictYAML",
                .product(name: "Numerics", package: "swift-numerics"),
            ],
            swiftSettings: numericFlags
        ),
        // MARK: location-to-channel models: image-source fit, MB-INR, baselines, training, model files
        .target(
            name: "CSIModel",
            dependencies: ["CSIChannel", "CSINumerics", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: numericFlags
        ),
        // MARK: localization search over any channel model
        .target(name: "CSISearch", dependencies: ["CSIChannel", "CSINumerics"], swiftSettings: numericFlags),
        // MARK: per-(receiver, UE) constant-velocity tracking of fixes (no dependencies: numbers in, numbers out)
        .target(name: "CSITracking"),
        // MARK: daemon: config, pipeline, metrics endpoint, sd_notify, lifecycle (csilocd is its thin main)
        .target(
            name: "CSILocDaemon",
            dependencies: [
                "CSIChannel", "CSIModel", "CSISearch", "CSITracking", "CSIWire", "StrictYAML", "ZMQ",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(name: "csilocd", dependencies: ["CSILocDaemon"]),
        // MARK: evaluation: test sets, the localization runner, statistics, typed reports, pictures, the in-process
        // daemon harness, benchmarks and the demo (everything csiloc's commands compute; docs/architecture.md)
        .target(
            name: "CSIEvaluation",
            dependencies: [
                "CSIChannel", "CSINumerics", "CSIModel", "CSISearch", "CSITracking", "CSIWire", "CSICapture",
                "CSILocDaemon", "CSIPlot", "NumpyArchive", "StrictYAML", "ZMQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MARK: live map: fixes from a ZeroMQ feed → bounded state → one embedded page + Server-Sent Events (docs/daemon.md)
        .target(name: "CSIView", dependencies: ["CSIWire", "ZMQ", .product(name: "FlyingFox", package: "FlyingFox")]),
        // MARK: executables
        .executableTarget(
            name: "csiloc",
            dependencies: [
                "CSIEvaluation", "CSIChannel", "CSINumerics", "CSIModel", "CSISearch", "NumpyArchive",
                "CSILocDaemon", "CSIWire", "ZMQ", "CSICapture", "CSIView",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Numerics", package: "swift-numerics"),
            ]
        ),
        // MARK: tests (mirror the modules)
        .testTarget(
            name: "CSINumericsTests",
            dependencies: ["CSINumerics", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "StrictYAMLTests", dependencies: ["StrictYAML"]),
        .testTarget(
            name: "CSIChannelTests",
            dependencies: [
                "CSIChannel", "CSINumerics", "NumpyArchive", "StrictYAML", "CZlib",
                .product(name: "Numerics", package: "swift-numerics"),
            ]),
        .testTarget(
            name: "CSIModelTests",
            dependencies: [
                "CSIModel", "CSIChannel", "CSINumerics", .product(name: "Numerics", package: "swift-numerics"),
            ]),
        .testTarget(name: "NumpyArchiveTests", dependencies: ["NumpyArchive", "CZlib"]),
        .testTarget(name: "ZMQTests", dependencies: ["ZMQ"]),
        .testTarget(name: "CSIWireTests", dependencies: ["CSIWire"]),
        .testTarget(name: "CSITrackingTests", dependencies: ["CSITracking"]),
        .testTarget(name: "CSIPlotTests", dependencies: ["CSIPlot", "CSINumerics"]),
        .testTarget(
            name: "CSILocDaemonTests",
            dependencies: [
                "CSILocDaemon", "CSIEvaluation", "CSIChannel", "CSIModel", "CSINumerics", "CSISearch", "CSITracking",
                "CSIWire", "StrictYAML",
                "ZMQ", .product(name: "Logging", package: "swift-log"),
                .product(name: "Numerics", package: "swift-numerics"),
            ]),
        .testTarget(
            name: "CSIEvaluationTests",
            dependencies: [
                "CSIEvaluation", "CSILocDaemon", "CSIChannel", "CSIModel", "CSINumerics", "CSISearch", "CSIWire",
                "CSICapture", "ZMQ",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CSIViewTests", dependencies: ["CSIView", "CSIWire", "ZMQ"]),
        .testTarget(
            name: "CSICaptureTests", dependencies: ["CSICapture", "CSIWire", "ZMQ", "CSIChannel", "CSINumerics"]),
        .testTarget(
            name: "CSILocTests",
            dependencies: [
                "csiloc", "CSIEvaluation", "CSICapture", "CSIWire", "CSIChannel", "CSIModel", "CSISearch",
                "NumpyArchive", "ZMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "CSISearchTests",
            dependencies: [
                "CSISearch", "CSIChannel", "CSINumerics", .product(name: "Numerics", package: "swift-numerics"),
            ]),
    ]
)

// Every Swift target: `any` on existentials, members visible only through modules a file imports, and imports
// internal unless a file declares them `public import` (its public API shows that module's types); as swift-log
// and hummingbird do.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
