import ArgumentParser
import CSIChannel
import Foundation
import NumpyArchive
import Testing

@testable import csiloc

/// Issue 13, class 9: the commands whose default scene is the shipped `etc/scenes/street.yaml` (the demo,
/// simulate, predict) run from any directory with only the binaries: the scene is compiled in.
@Suite("Run from anywhere")
struct RunAnywhereTests {
    /// The `csiloc` executable built next to this test bundle, when there is one.
    static let csiloc: String? = {
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("csiloc").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("csiloc")
                .path,
            "\(packageRoot)/.build/debug/csiloc",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test(
        "csiloc simulate with the default scene, from an empty directory",
        .enabled(if: csiloc != nil, "needs the csiloc executable built next to the tests"))
    func simulateFromEmptyDirectory() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.csiloc!)
        process.arguments = ["simulate", "--points", "3", "--seed", "1", "--out", "s.npz"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        let archive = try NPZArchive(path: "\(dir)/s.npz")
        let street = try Scene.parse(yaml: BuiltinScenes.street)
        #expect(try archive.doubles("frequencies").values == street.subcarriers.frequencies)
        #expect(try archive.doubles("positions", shape: [3, 3]).values.count == 9)
    }

    @Test("the demo's default scene resolves without a file")
    func demoDefaultScene() throws {
        let demo = try Demo.parse([])
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The default is relative: resolved against a directory without etc/, it is the compiled-in copy.
        let (scene, text) = try Scene.loadFileOrBuiltin("\(dir)/\(demo.scene)")
        #expect(scene.name == "street" && text == BuiltinScenes.street)
    }
}
