import Foundation
import Numerics
import NumpyArchive
import Testing

@testable import CSIChannel

@Suite struct CSIDatasetTests {
    static func simulate(
        _ scene: Scene, count: Int, seed: UInt64, path: String, width: Int = 2, impairments: Impairments = .none
    ) throws {
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: count, seed: seed)
        let writer = try DatasetWriter(
            path: path, positions: positions, antennas: scene.array.positions,
            frequencies: scene.subcarriers.frequencies, carrier: scene.subcarriers.carrier,
            los: positions.map(sim.hasLineOfSight(at:)))
        try SimulationJob(simulator: sim, positions: positions, impairments: impairments, seed: seed, blockSize: 100)
            .run(width: width) { try writer.appendChannels($0) }
        try writer.finish()
    }

    static let scene = TestScenes.withPlanes(
        [ReflectingPlane(name: "g", point: .zero, normal: Point3(0, 0, 1), reflection: .init(-0.5, 0.1))],
        order: 1, antennas: 4, subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: 8),
        nlos: [Region(x: 0...1, y: 0...1, z: -10...10)])

    @Test func writeThenReadGivesTheSimulatedChannels() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("d.npz").path
        try Self.simulate(Self.scene, count: 257, seed: 4, path: path)
        let d = try CSIDataset.load(contentsOf: path)
        #expect(d.count == 257 && d.antennaCount == 4 && d.subcarrierCount == 8)
        #expect(d.frequencies == Self.scene.subcarriers.frequencies)
        #expect(d.antennas == Self.scene.array.positions)
        #expect(d.carrier == 3.5e9)
        let sim = ChannelSimulator(scene: Self.scene)
        #expect(d.positions == PositionSampler.uniform(in: Self.scene.ueRegion, count: 257, seed: 4))
        #expect(d.los == d.positions.map(sim.hasLineOfSight(at:)))
        var expected = [Float](repeating: 0, count: d.csi.count)
        d.positions.withUnsafeBufferPointer { p in
            expected.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) }
        }
        #expect(d.csi == expected)
        // Re-writing the loaded dataset reproduces the file byte for byte.
        let again = dir.appendingPathComponent("e.npz").path
        try d.write(to: again)
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: again))
    }

    @Test func sameSeedGivesIdenticalFilesWhateverTheThreads() throws {
        let dir = try temporaryDirectory()
        let a = dir.appendingPathComponent("a.npz").path, b = dir.appendingPathComponent("b.npz").path
        let c = dir.appendingPathComponent("c.npz").path
        let imp = Impairments(snrDB: 5, randomCommonPhase: true)
        try Self.simulate(Self.scene, count: 300, seed: 8, path: a, width: 1, impairments: imp)
        try Self.simulate(Self.scene, count: 300, seed: 8, path: b, width: 2, impairments: imp)
        try Self.simulate(Self.scene, count: 300, seed: 9, path: c, width: 2, impairments: imp)
        let da = FileManager.default.contents(atPath: a), db = FileManager.default.contents(atPath: b)
        #expect(da != nil && da == db)
        #expect(da != FileManager.default.contents(atPath: c))
    }

    /// Simulator → NPZ → numpy: numpy loads the file and recomputes the direct-path channel from the
    /// positions, antennas and frequencies stored in it, independently of Swift.
    @Test(.enabled(if: Python.hasNumpy, "numpy is not importable"))
    func numpyLoadsTheFileAndAgreesWithAnIndependentComputation() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("los.npz").path
        try Self.simulate(
            TestScenes.losOnly(antennas: 3, subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 5)),
            count: 50, seed: 2, path: path)
        let script = """
            import sys, numpy as np
            d = np.load(sys.argv[1])
            assert d['csi'].dtype == np.complex64 and d['csi'].shape == (50, 3, 5), d['csi'].shape
            assert d['positions'].dtype == np.float64 and d['carrier'].shape == ()
            dist = np.linalg.norm(d['positions'][:, None, :] - d['antennas'][None, :, :], axis=2)
            h = np.exp(-2j * np.pi * d['frequencies'][None, None, :] * dist[:, :, None] / 299792458.0) / dist[:, :, None]
            err = np.abs(d['csi'] - h).max() / np.abs(h).max()
            print(repr(float(err)))
            """
        let (status, output) = try Python.run(script, [path])
        #expect(status == 0, "\(output)")
        let err = Double(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
        #expect(err < 1e-6)
    }

    /// numpy → Swift: a dataset written by numpy with savez_compressed, Fortran-order csi, complex128
    /// and float32 positions loads with identical values.
    @Test(.enabled(if: Python.hasNumpy, "numpy is not importable"))
    func numpyWrittenDatasetLoads() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("np.npz").path
        let script = """
            import sys, numpy as np
            rng = np.random.default_rng(0)
            pos = rng.uniform(-1, 1, (7, 3)).astype(np.float32)
            csi = np.asfortranarray(rng.normal(size=(7, 2, 3)) + 1j * rng.normal(size=(7, 2, 3)))
            np.savez_compressed(sys.argv[1], positions=pos, csi=csi, frequencies=np.array([1e9, 1.1e9, 1.2e9]),
                                antennas=np.zeros((2, 3)), carrier=np.float64(1.1e9), los=np.array([True, False] * 3 + [True]))
            print(' '.join(repr(float(v)) for v in np.ravel(np.stack([csi.real, csi.imag], -1).astype(np.float32))))
            """
        let (status, output) = try Python.run(script, [path])
        #expect(status == 0, "\(output)")
        let expected = output.split(separator: " ").compactMap {
            Float($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let d = try CSIDataset.load(contentsOf: path)
        #expect(d.csi == expected)
        #expect(d.los == [true, false, true, false, true, false, true])
        #expect(d.carrier == 1.1e9)
    }

    @Test(.enabled(if: Python.hasNumpy, "numpy is not importable"))
    func inconsistentKeysAreNamed() throws {
        let dir = try temporaryDirectory()
        let cases: [(String, String)] = [
            (
                "np.savez(p, positions=np.zeros((4,3)), csi=np.zeros((4,2,5), np.complex64), frequencies=np.ones(3), antennas=np.zeros((2,3)), carrier=1.0)",
                "key 'csi': expected shape (4, 2, 3), found (4, 2, 5)"
            ),
            (
                "np.savez(p, positions=np.zeros((4,3)), csi=np.zeros((4,2,3)), frequencies=np.ones(3), antennas=np.zeros((2,3)), carrier=1.0)",
                "key 'csi': expected dtype"
            ),
            (
                "np.savez(p, positions=np.zeros((4,3)), frequencies=np.ones(3), antennas=np.zeros((2,3)), carrier=1.0)",
                "key 'csi': missing"
            ),
            (
                "np.savez(p, positions=np.zeros((4,2)), csi=np.zeros((4,2,3), np.complex64), frequencies=np.ones(3), antennas=np.zeros((2,3)), carrier=1.0)",
                "key 'positions': expected shape (*, 3), found (4, 2)"
            ),
            (
                "np.savez(p, positions=np.zeros((4,3)), csi=np.zeros((4,2,3), np.complex64), frequencies=np.ones(3), antennas=np.zeros((2,3)), carrier=1.0, los=np.ones(3, bool))",
                "key 'los': expected shape (4,), found (3,)"
            ),
            (
                "np.savez(p, positions=np.full((4,3), np.nan), csi=np.zeros((4,2,3), np.complex64), frequencies=np.ones(3), antennas=np.zeros((2,3)), carrier=1.0)",
                "key 'positions': expected finite coordinates"
            ),
        ]
        for (i, (code, message)) in cases.enumerated() {
            let path = dir.appendingPathComponent("bad\(i).npz").path
            let (status, out) = try Python.run("import sys, numpy as np\np = sys.argv[1]\n" + code, [path])
            #expect(status == 0, "\(out)")
            do {
                _ = try CSIDataset.load(contentsOf: path)
                Issue.record("case \(i) loaded")
            } catch {
                #expect("\(error)".hasPrefix(path), "\(error)")
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
