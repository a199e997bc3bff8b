import Foundation
import NumpyArchive
import Testing

@testable import CSIChannel

/// A dataset's optional `nuisance` key: what the simulator declares, what is read back, what is refused.
@Suite struct DeclaredNuisanceTests {
    static let plan = SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 4)

    /// A small coherent dataset (3 antennas, 4 subcarriers, 30 points).
    static func dataset(declaring nuisance: NuisanceModel? = nil) -> CSIDataset {
        let scene = TestScenes.losOnly(antennas: 3, subcarriers: plan)
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: 30, seed: 3)
        var csi = [Float](repeating: 0, count: positions.count * sim.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in csi.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) } }
        return CSIDataset(
            positions: positions, csi: csi, frequencies: plan.frequencies, antennas: scene.array.positions,
            carrier: plan.carrier, declaredNuisance: nuisance)
    }

    /// Writes `dataset` without the key, then with the key `nuisance` as an arbitrary member (as numpy would).
    static func write(_ dataset: CSIDataset, to path: String, nuisance member: (NPZWriter) throws -> Void) throws {
        let writer = try NPZWriter(path: path)
        try writer.write(
            name: "positions", doubles: dataset.positions.flatMap { [$0.x, $0.y, $0.z] }, shape: [dataset.count, 3])
        try writer.write(
            name: "csi", complexFloats: dataset.csi,
            shape: [dataset.count, dataset.antennaCount, dataset.subcarrierCount])
        try writer.write(name: "frequencies", doubles: dataset.frequencies, shape: [dataset.subcarrierCount])
        try writer.write(
            name: "antennas", doubles: dataset.antennas.flatMap { [$0.x, $0.y, $0.z] },
            shape: [dataset.antennaCount, 3])
        try writer.write(name: "carrier", scalar: dataset.carrier)
        try member(writer)
        try writer.finish()
    }

    @Test func declarationIsWrittenAndReadBack() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for declared in [NuisanceModel.none, .phaseAndGain, .phaseGainAndTiming] {
            let path = dir.appendingPathComponent("\(declared.rawValue).npz").path
            try Self.dataset(declaring: declared).write(to: path)
            #expect(try NPZArchive(path: path).string("nuisance") == declared.rawValue)
            #expect(try CSIDataset.load(contentsOf: path).declaredNuisance == declared)
        }
        // Not declaring writes no key, and reads back as unknown.
        let clean = dir.appendingPathComponent("clean.npz").path
        try Self.dataset().write(to: clean)
        #expect(try NPZArchive(path: clean).keys == ["positions", "csi", "frequencies", "antennas", "carrier"])
        #expect(try CSIDataset.load(contentsOf: clean).declaredNuisance == nil)
        // The declaration is the last member, after the same members as an undeclared file.
        #expect(
            try NPZArchive(path: dir.appendingPathComponent("phase-gain.npz").path).keys
                == ["positions", "csi", "frequencies", "antennas", "carrier", "nuisance"])
    }

    @Test func phaseIsReadAsPhaseAndGain() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("phase.npz").path
        try Self.write(Self.dataset(), to: path) { try $0.write(name: "nuisance", string: "phase") }
        #expect(try CSIDataset.load(contentsOf: path).declaredNuisance == .phaseAndGain)
    }

    /// The forms the docs show (`nuisance="phase-gain"`, `np.bytes_(b"...")`, a 1-element array) as numpy writes them.
    @Test(.enabled(if: Python.hasNumpy, "numpy is not importable"))
    func numpyWrittenDeclarationsAreRead() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("base.npz").path
        try Self.dataset().write(to: path)
        let script = """
            import sys, numpy as np
            d = dict(np.load(sys.argv[1]))
            np.savez(sys.argv[1] + ".a.npz", nuisance="phase-gain", **d)
            np.savez(sys.argv[1] + ".b.npz", nuisance=np.bytes_(b"phase-gain-timing"), **d)
            np.savez(sys.argv[1] + ".c.npz", nuisance=np.array(["none"]), **d)
            """
        let (status, output) = try Python.run(script, [path])
        #expect(status == 0, "\(output)")
        #expect(try CSIDataset.load(contentsOf: path + ".a.npz").declaredNuisance == .phaseAndGain)
        #expect(try CSIDataset.load(contentsOf: path + ".b.npz").declaredNuisance == .phaseGainAndTiming)
        #expect(try CSIDataset.load(contentsOf: path + ".c.npz").declaredNuisance == NuisanceModel.none)
    }

    @Test func unknownOrMistypedDeclarationsAreErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.npz").path
        for (value, shown) in [
            ("phase_gain", "phase_gain"), ("Phase-Gain", "Phase-Gain"), ("phase-gain ", "phase-gain "),
            ("ph\u{e4}se\u{1}", "ph\\u{00E4}se\\u{01}"),
        ] {
            try Self.write(Self.dataset(), to: path) { try $0.write(name: "nuisance", string: value) }
            #expect {
                _ = try CSIDataset.load(contentsOf: path)
            } throws: { error in
                "\(error)"
                    == "\(path): key 'nuisance': unknown value '\(shown)'; accepted: none, phase, phase-gain, phase-gain-timing"
            }
        }
        // A number under the key is not a declaration either.
        try Self.write(Self.dataset(), to: path) { try $0.write(name: "nuisance", scalar: 1) }
        #expect {
            _ = try CSIDataset.load(contentsOf: path)
        } throws: { error in
            "\(error)".hasPrefix("\(path): key 'nuisance': expected a string (dtype <U n or |S n")
        }
    }

    /// Which impairments leave which unknowns in a simulated frame; noise alone leaves none (nothing declared).
    @Test func impairmentsDeclareTheirNuisance() {
        let cases: [(Impairments, NuisanceModel?)] = [
            (Impairments(), nil),
            (Impairments(snrDB: 10), nil),
            (Impairments(randomCommonPhase: true), .phaseAndGain),
            (Impairments(gainStdDB: 1), .phaseAndGain),
            (Impairments(phaseDriftPerFrame: 0.01), .phaseAndGain),
            (Impairments(maxTimingOffset: 1e-9), .phaseGainAndTiming),
            (Impairments(timingDriftPerFrame: 1e-12), .phaseGainAndTiming),
            (Impairments(snrDB: 20, randomCommonPhase: true, maxTimingOffset: 5e-9, gainStdDB: 1), .phaseGainAndTiming),
        ]
        for (i, (impairments, expected)) in cases.enumerated() {
            #expect(impairments.declaredNuisance == expected, "case \(i)")
            let job = SimulationJob(
                simulator: ChannelSimulator(scene: TestScenes.losOnly(antennas: 2, subcarriers: Self.plan)),
                positions: [], impairments: impairments, seed: 1)
            #expect(job.declaredNuisance == expected, "case \(i)")
        }
    }
}
