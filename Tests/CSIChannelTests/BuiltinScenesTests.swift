import Foundation
import Testing

@testable import CSIChannel

/// Issue 13, class 9: the reference scene is compiled in, byte for byte the shipped file, so the demo and the
/// commands' default scene work from any directory with only the binaries.
@Suite struct BuiltinScenesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("every built-in scene equals its etc/scenes file (else run tools/builtin-scenes.sh)")
    func builtinEqualsShippedFile() throws {
        #expect(BuiltinScenes.byName.keys.sorted() == ["street"])
        for (name, text) in BuiltinScenes.byName {
            let file = try String(contentsOfFile: "\(Self.root)/etc/scenes/\(name).yaml", encoding: .utf8)
            #expect(
                text == file,
                "Sources/CSIChannel/BuiltinScenes.swift is out of date for \(name): run tools/builtin-scenes.sh")
        }
    }

    @Test("names and shipped paths resolve to the built-in scene; anything else does not")
    func builtinNames() {
        #expect(Scene.builtinName(for: "street") == "street")
        #expect(Scene.builtinName(for: "etc/scenes/street.yaml") == "street")
        #expect(Scene.builtinName(for: "/opt/csiloc/etc/scenes/street.yaml") == "street")
        #expect(Scene.builtinName(for: "street.yaml") == nil)
        #expect(Scene.builtinName(for: "etc/scenes/room.yaml") == nil)
        #expect(Scene.builtinName(for: "my/scenes/street.yaml") == nil)
    }

    @Test("without the file, the default path loads the compiled-in copy; with a file there, the file wins")
    func loadFileOrBuiltin() throws {
        let dir = try temporaryDirectory()
        let missing = dir.appendingPathComponent("etc/scenes/street.yaml").path
        let (builtin, text) = try Scene.loadFileOrBuiltin(missing)
        let shipped = try Scene.load(contentsOf: "\(Self.root)/etc/scenes/street.yaml")
        #expect(text == BuiltinScenes.street)
        #expect(builtin.name == "street" && builtin.array.positions == shipped.array.positions)
        #expect(builtin.subcarriers.frequencies == shipped.subcarriers.frequencies)
        #expect(builtin.ueRegion == shipped.ueRegion)
        // A real file at that path is read instead.
        try FileManager.default.createDirectory(
            atPath: dir.appendingPathComponent("etc/scenes").path, withIntermediateDirectories: true)
        let tiny = try String(contentsOfFile: "\(Self.root)/etc/scenes/tiny-los.yaml", encoding: .utf8)
        try tiny.write(toFile: missing, atomically: true, encoding: .utf8)
        #expect(
            try Scene.loadFileOrBuiltin(missing).scene.name
                == Scene.load(contentsOf: "\(Self.root)/etc/scenes/tiny-los.yaml").name)
        // Any other missing file is still an error naming it.
        #expect(throws: (any Error).self) {
            _ = try Scene.loadFileOrBuiltin(dir.appendingPathComponent("nope.yaml").path)
        }
    }
}
