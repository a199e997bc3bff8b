// swift-tools-version:6.1
// libFuzzer harnesses for csiloc's parsers of untrusted bytes (docs/fuzzing.md). A package of its own, depending
// on the main one by path, so `swift build`/`swift test` of the main package neither build nor see these targets.
// Built only by tools/fuzz.sh, with `-sanitize=fuzzer,address`; each harness's @main hands over to libFuzzer's
// driver (LLVMFuzzerRunDriver), since SwiftPM links `main` to the executable's own entry point:
//
//   tools/fuzz.sh frame 60        # one target for 60 s; tools/fuzz.sh --list names them
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory (the clone's folder name, not "csiloc").
let mainPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

func harness(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: mainPackage) })
}

let package = Package(
    name: "csiloc-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
        harness("FuzzFrame", ["CSIWire"]),
        harness("FuzzFix", ["CSIWire"]),
        harness("FuzzCapture", ["CSIWire"]),
        harness("FuzzNPZ", ["NumpyArchive"]),
        harness("FuzzNPY", ["NumpyArchive"]),
        harness("FuzzModel", ["CSIModel", "CSIChannel"]),
        harness("FuzzConfig", ["CSILocDaemon", "CSISearch", "CSIChannel"]),
        harness("FuzzScene", ["CSIChannel"]),
        harness("FuzzCurve", ["ZMQ"]),
    ]
)
