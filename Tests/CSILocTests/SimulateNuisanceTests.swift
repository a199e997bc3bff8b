import ArgumentParser
import CSIChannel
import Foundation
import NumpyArchive
import Testing

@testable import csiloc

/// `csiloc simulate` declares the per-frame nuisance its impairments create; `--nuisance phase` is an alias.
@Suite struct SimulateNuisanceTests {
    /// The tiny scene with an `impairments` block appended.
    static func impairedScene(_ dir: String, _ impairments: String) throws -> String {
        let path = "\(dir)/impaired.yaml"
        let text = try String(contentsOfFile: tinyScene, encoding: .utf8) + "impairments:\n" + impairments
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func simulate(_ scene: String, _ out: String, _ extra: [String] = []) throws -> CSIDataset {
        try Simulate.parse(["--scene", scene, "--points", "40", "--seed", "3", "--out", out, "--quiet"] + extra).run()
        return try CSIDataset.load(contentsOf: out)
    }

    @Test func impairedScenesDeclareTheirNuisance() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let timing = try Self.impairedScene(dir, "  random_common_phase: true\n  timing_offset_ns: 2\n")
        #expect(try Self.simulate(timing, "\(dir)/timing.npz").declaredNuisance == .phaseGainAndTiming)
        let drift = try Self.impairedScene(dir, "  phase_drift_rad_per_frame: 0.1\n  snr_db: 30\n")
        #expect(try Self.simulate(drift, "\(dir)/drift.npz").declaredNuisance == .phaseAndGain)
        // --random-phase on a clean scene: a common phase per frame.
        #expect(try Self.simulate(tinyScene, "\(dir)/phase.npz", ["--random-phase"]).declaredNuisance == .phaseAndGain)
        #expect(try NPZArchive(path: "\(dir)/phase.npz").string("nuisance") == "phase-gain")
        // Clean and noise-only surveys declare nothing: no key at all.
        for (name, extra) in [("clean", [String]()), ("noisy", ["--snr-db", "20"])] {
            let data = try Self.simulate(tinyScene, "\(dir)/\(name).npz", extra)
            #expect(data.declaredNuisance == nil, "\(name)")
            #expect(try !NPZArchive(path: "\(dir)/\(name).npz").contains("nuisance"), "\(name)")
            // With noise every frame reports its (per-location) SNR, as a receiver would.
            let snr = data.reportedSNRdB
            #expect(name == "clean" ? snr == nil : snr == [Double](repeating: 20, count: data.count), "\(name)")
        }
    }

    @Test func phaseIsAnAliasOfPhaseGainOnTheCommandLine() throws {
        let train = try Train.parse(["--data", "d.npz", "--out", "m.csimodel", "--nuisance", "phase"])
        #expect(train.fit.nuisance == .phase && train.fit.nuisance.model == .phaseAndGain)
        #expect(try Train.parse(["--data", "d.npz", "--out", "m.csimodel"]).fit.nuisance.model == nil)
        #expect(throws: (any Error).self) {
            try Train.parse(["--data", "d.npz", "--out", "m.csimodel", "--nuisance", "gain"])
        }
        #expect(Train.helpMessage(columns: 1000).contains("phase (a random common phase; an alias of phase-gain"))
    }
}
