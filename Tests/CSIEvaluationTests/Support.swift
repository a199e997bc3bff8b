import CSIChannel
import Foundation

/// The repository root, from this file's path (tests run from any directory).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The shipped 4-antenna × 4-subcarrier scene over 1 m²: localizes in well under a millisecond per frame.
let tinyScenePath = repositoryRoot + "/etc/scenes/tiny-los.yaml"
let tinyScene: Scene = {
    do { return try Scene.load(contentsOf: tinyScenePath) } catch {
        fatalError("cannot load \(tinyScenePath): \(error)")
    }
}()

/// Deterministic uniform values in [0, 1) (SplitMix64), so failures reproduce.
struct TestRandom {
    var state: UInt64

    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

/// A fresh directory under /tmp.
func scratchDirectory(_ tag: String) throws -> String {
    let path = "/tmp/csieval-test-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
