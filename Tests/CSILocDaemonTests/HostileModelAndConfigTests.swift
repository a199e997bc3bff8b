import CSIChannel
import CSIWire
import Foundation
import Numerics
import StrictYAML
import Testing

@testable import CSILocDaemon
@testable import CSIModel
@testable import CSISearch

/// Issue 13, classes 2–4 from the daemon's side: configuration values and crafted model files that used to pass
/// `--check` and then trap (at start, on SIGHUP or on the first frame) or ask for gigabytes are configuration
/// errors located at their key — exit 78 at start and `--check`, the old model kept on reload.
@Suite(.serialized)
struct HostileModelAndConfigTests {
    /// A small valid physics model of the tiny scene (line of sight only), as a model file.
    static func tinyModelFile() -> ModelFile {
        let sim = TinyFrames.simulator
        let antennas = sim.antennaPositions
        let centre = antennas.reduce(Point3.zero, +) / Double(antennas.count)
        let model = ImageSourceModel(
            sources: [ImageSource(center: centre, frame: ArrayFrame(antennas: antennas).axes, gain: Complex(1, 0))],
            antennas: antennas, frequencies: sim.frequencies, carrier: 3.5e9, phaseModel: .spherical,
            gainReference: .zero, scale: 1)
        let header = ModelHeader(
            kind: "physics", toolVersion: "test", created: "2026-01-01T00:00:00Z", frame: "tiny",
            antennas: antennas.map { [$0.x, $0.y, $0.z] }, frequencies: sim.frequencies, carrier: 3.5e9, scale: 1,
            training: .init(
                points: 10, boundsMin: [-0.5, -0.5, 0], boundsMax: [0.5, 0.5, 0], height: 0,
                digest: "x", densityPerLambda2: 1, seed: 1, seconds: 1),
            validation: .init(points: 1, nmseDB: -40, nmseSumDB: -41), decisions: [],
            physics: model.physicsInfo, neural: nil)
        return ModelFile(header: header, tensors: model.tensors)
    }

    static func modelConfig(_ modelPath: String, search: String = "") -> String {
        "workers: 1\nmodel:\n  path: \(modelPath)\n" + (search.isEmpty ? "" : "search:\n  \(search)\n")
    }

    /// The YAML key `ServingModel.load` blames for `text`, or "loaded".
    static func blamedKey(_ text: String, in dir: String) -> String {
        let path = dir + "/c.yaml"
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let config = try DaemonConfiguration.load(contentsOf: path)
            _ = try ServingModel.load(config, configFile: path, configText: text, generation: 1, width: 1)
            return "loaded"
        } catch let e as YAMLFileError {
            return e.path
        } catch { return "\(error)" }
    }

    /// Each value passes the YAML decoder's own range checks but trapped or exhausted memory when the localizer
    /// was built; now `ServingModel.load` (start, reload and `--check`) refuses it at its key.
    @Test func searchValuesThatTrappedOrExhaustedMemoryAreLocatedErrors() throws {
        let dir = makeTemporaryDirectory("hostile-search")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func config(_ search: String) -> String { testConfigYAML(method: "robust\n  \(search)") }
        #expect(Self.blamedKey(config(""), in: dir) == "loaded")
        #expect(Self.blamedKey(config("global_spacing_m: 0.00001"), in: dir) == "search.global_spacing_m") // 10¹⁰ nodes
        #expect(Self.blamedKey(config("local_half_width_m: 1e300"), in: dir) == "search.local_half_width_m")
        #expect(Self.blamedKey(config("local_step_wavelengths: 1e-12"), in: dir) == "search.local_step_wavelengths")
        #expect(Self.blamedKey(config("circle_contractions: [1e-300]"), in: dir) == "search.circle_contractions")
        #expect(Self.blamedKey(config("carrier_hz: 1e30"), in: dir) == "search.carrier_hz")
        #expect(Self.blamedKey(config("carrier_hz: 1e-300"), in: dir) == "search.carrier_hz")
        #expect(Self.blamedKey(config("region: {x: [-1e300, 1e300], y: [0, 1], z: 0}"), in: dir) == "search.region")
        #expect(Self.blamedKey(config("region: {x: [-1e5, 1e5], y: [-1e5, 1e5], z: 0}"), in: dir) == "search.region")
        // `--check` runs the same load: exit 78 (EX_CONFIG), as systemd's RestartPreventExitStatus expects.
        let path = dir + "/check.yaml"
        try config("local_half_width_m: 1e300").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(DaemonCommand.check(configPath: path) == DaemonCommand.exitConfig)
        try config("").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(DaemonCommand.check(configPath: path) == DaemonCommand.exitOK)
    }

    /// Crafted model files (valid checksum) that passed `--check` and trapped at start or on the first frame.
    @Test func craftedModelFilesFailCheckWithExit78() throws {
        let dir = makeTemporaryDirectory("hostile-model")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let modelPath = dir + "/m.csimodel"
        let configPath = dir + "/c.yaml"
        try Self.modelConfig(modelPath).write(toFile: configPath, atomically: true, encoding: .utf8)
        try Self.tinyModelFile().write(to: modelPath)
        #expect(DaemonCommand.check(configPath: configPath) == DaemonCommand.exitOK)
        #expect(Self.blamedKey(Self.modelConfig(modelPath), in: dir) == "loaded")
        let crafts: [(String, (inout ModelFile) -> Void)] = [
            (
                "NaN source",
                { f in
                    var v = f.tensors[0].doubles; v[12] = .nan
                    f.tensors[0] = ModelTensor(name: f.tensors[0].name, shape: f.tensors[0].shape, doubles: v)
                }
            ),
            ("zero scale", { $0.header.scale = 0 }),
            ("huge training height", { $0.header.training.height = 1e300 }),
            ("inverted bounds", { $0.header.training.boundsMin = [1, -0.5, 0] }),
            ("empty frequency list", { $0.header.frequencies = [] }),
            ("huge frequencies", { $0.header.frequencies = $0.header.frequencies.map { _ in 1e300 } }),
        ]
        for (name, craft) in crafts {
            var file = Self.tinyModelFile()
            craft(&file)
            try file.write(to: modelPath)
            #expect(DaemonCommand.check(configPath: configPath) == DaemonCommand.exitConfig, "\(name)")
            #expect(Self.blamedKey(Self.modelConfig(modelPath), in: dir) == "model.path", "\(name)")
        }
    }

    /// SIGHUP with a value that trapped during the reload (`local_half_width_m: 1e300`) or a crafted model: the
    /// reload fails, the old model keeps serving.
    @Test func reloadKeepsTheOldModelOnHostileConfigsAndModels() async throws {
        let harness = try await onThread { try Harness("hostile-reload") { _ in testConfigYAML(perUE: 64) } }
        defer { harness.close() }
        let modelPath = harness.directory + "/m.csimodel"
        var file = Self.tinyModelFile()
        file.header.training.boundsMin = [1, -0.5, 0]
        try file.write(to: modelPath)
        for bad in [
            testConfigYAML(perUE: 64, method: "robust\n  local_half_width_m: 1e300"),
            testConfigYAML(perUE: 64, method: "robust\n  global_spacing_m: 0.00001"),
            testConfigYAML(perUE: 64).replacingOccurrences(
                of: "oracle_scene: \(tinyScenePath)", with: "path: \(modelPath)"),
        ] {
            try bad.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
            #expect(await harness.daemon.reload() == false)
        }
        #expect(harness.daemon.pipeline.currentModel.generation == 1)
        #expect(harness.snapshot().reloadsFailed == 3)
        let frame = TinyFrames.make(count: 1, receiver: 1, ue: 1, seed: 5)[0]
        harness.send(frame)
        let served = try await onThread {
            waitUntil(timeout: .seconds(20)) { harness.received.contains { $0.seq == frame.header.seq } }
        }
        #expect(served)
    }

    /// A fix whose cost is not a number (the model returned NaN there) is published as `failed`, not `ok`.
    @Test func nanCostIsAFailedFix() {
        var fix = Fix(
            position: Point3(0, 0, 0), covariance: nil, status: .converged, cost: .nan, relativeResidual: .nan,
            noiseRatio: .nan, noiseVariance: 0, nuisance: NuisanceEstimate(), stages: [])
        #expect(FixFormatter.status(of: fix) == .failed)
        fix.cost = 1
        #expect(FixFormatter.status(of: fix) == .ok)
    }
}
