import CSIChannel
import CSINumerics
import CSISearch
import Foundation

/// One method's results over a test set, for summaries, JSON, pictures and estimate files.
struct MethodResult {
    var name: String
    var estimates: [Point3]
    var errors: [Double]
    /// Localizer fixes (nil for the 3-NN baseline).
    var fixes: [Fix]?
    /// Wall time of the localization of all frames, s, and of building the localizer (dictionary), s.
    var seconds: Double
    var buildSeconds: Double
    var threads: Int

    var framesPerSecond: Double { Double(estimates.count) / max(seconds, 1e-12) }
}

/// Test channels with their true positions.
struct TestSet {
    var positions: [Point3]
    var csi: [Float]
    var valuesPerChannel: Int
    var los: [Bool]?
    var count: Int { positions.count }

    /// Adds complex AWGN at `snrDB` per location (σ² = ‖H‖²/(N_a N_s 10^(SNR/10))), point i from stream i.
    func withNoise(snrDB: Double, seed: UInt64, antennas: Int, frequencies: [Double], carrier: Double) -> TestSet {
        var out = self
        let m = valuesPerChannel
        out.csi.withUnsafeMutableBufferPointer { b in
            for i in 0..<count {
                var rng = SeededGenerator(seed: seed, stream: 0x4C4F_4341_0000_0000 &+ UInt64(i))
                Impairments(snrDB: snrDB).apply(to: UnsafeMutableBufferPointer(rebasing: b[(i * m)..<((i + 1) * m)]),
                                                antennas: antennas, frequencies: frequencies, carrier: carrier, rng: &rng)
            }
        }
        return out
    }

    /// Simulated test points of a scene.
    static func simulate(_ sim: ChannelSimulator, count: Int, seed: UInt64) -> TestSet {
        let positions = PositionSampler.uniform(in: sim.scene.ueRegion, count: count, seed: seed)
        var csi = [Float](repeating: 0, count: count * sim.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in csi.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) } }
        let los = sim.scene.nlosRegions.isEmpty ? nil : positions.map(sim.hasLineOfSight(at:))
        return TestSet(positions: positions, csi: csi, valuesPerChannel: sim.valuesPerChannel, los: los)
    }
}

enum LocalizationRunner {
    /// Builds the localizer of `method` and runs it on every frame of `test`.
    static func run(method: SearchMethod, configure: (inout LocalizerConfiguration) -> Void = { _ in },
                    model: any ChannelModel, region: Region, test: TestSet, width: Int) -> MethodResult {
        var config = method.configuration
        configure(&config)
        let t0 = Date()
        let localizer = Localizer(model: model, region: region, configuration: config, width: width)
        let build = Date().timeIntervalSince(t0)
        return run(localizer, name: method.rawValue, buildSeconds: build, test: test, width: width)
    }

    static func run(_ localizer: Localizer, name: String, buildSeconds: Double, test: TestSet, width: Int) -> MethodResult {
        let t1 = Date()
        let fixes = test.csi.withUnsafeBufferPointer { localizer.localizeAll(complex64: $0, count: test.count, width: width) }
        let seconds = Date().timeIntervalSince(t1)
        let estimates = fixes.map(\.position)
        return MethodResult(name: name, estimates: estimates, errors: errors(estimates, test.positions, flat: localizer.region.isFlat),
                            fixes: fixes, seconds: seconds, buildSeconds: buildSeconds, threads: width)
    }

    /// The 3-NN baseline over a fingerprint set.
    static func runFingerprints(_ fp: FingerprintLocalizer, buildSeconds: Double, test: TestSet, width: Int, flat: Bool) -> MethodResult {
        let t1 = Date()
        let estimates = test.csi.withUnsafeBufferPointer { fp.locateAll($0, count: test.count, width: width) }
        let seconds = Date().timeIntervalSince(t1)
        return MethodResult(name: "3nn", estimates: estimates, errors: errors(estimates, test.positions, flat: flat),
                            fixes: nil, seconds: seconds, buildSeconds: buildSeconds, threads: width)
    }

    /// Euclidean errors (horizontal only when the search is 2-D).
    static func errors(_ est: [Point3], _ truth: [Point3], flat: Bool) -> [Double] {
        zip(est, truth).map { e, t in
            var d = e - t
            if flat { d.z = 0 }
            return d.length
        }
    }
}
