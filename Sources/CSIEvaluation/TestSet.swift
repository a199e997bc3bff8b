public import CSIChannel
import CSINumerics

/// Test channels with their true positions: what a localization run is scored on.
public struct TestSet: Sendable {
    /// True position of each test channel, metres.
    public var positions: [Point3]
    /// Complex64 channels, `valuesPerChannel` Floats (re, im) per position, in position order.
    package var csi: [Float]
    package var valuesPerChannel: Int
    /// Line of sight per position, when known for every one.
    package var los: [Bool]?
    /// The SNR each channel's receiver reported, dB (NaN = not reported), when known.
    package var reportedSNRdB: [Double]?

    package init(
        positions: [Point3], csi: [Float], valuesPerChannel: Int, los: [Bool]? = nil, reportedSNRdB: [Double]? = nil
    ) {
        self.positions = positions
        self.csi = csi
        self.valuesPerChannel = valuesPerChannel
        self.los = los
        self.reportedSNRdB = reportedSNRdB
    }

    /// Number of test channels.
    public var count: Int { positions.count }

    /// The first `n` test points of a dataset (all of them when `n` is nil or larger).
    package init(dataset: CSIDataset, limit n: Int? = nil) {
        let n = min(n ?? dataset.count, dataset.count)
        self.init(
            positions: Array(dataset.positions.prefix(n)), csi: Array(dataset.csi.prefix(n * dataset.valuesPerSample)),
            valuesPerChannel: dataset.valuesPerSample, los: dataset.los.map { Array($0.prefix(n)) },
            reportedSNRdB: dataset.reportedSNRdB.map { Array($0.prefix(n)) })
    }

    /// Adds complex AWGN at `snrDB` per location (σ² = ‖H‖²/(N_a N_s 10^(SNR/10))), point i from stream i; each
    /// channel then reports its SNR as a receiver's header would (`ReportedSNR.afterAdding`).
    package func withNoise(
        snrDB: Double, seed: UInt64, antennas: Int, frequencies: [Double], carrier: Double
    ) -> TestSet {
        var out = self
        out.reportedSNRdB = (0..<count).map { ReportedSNR.afterAdding(snrDB, to: reportedSNRdB?[$0]) }
        let m = valuesPerChannel
        out.csi.withUnsafeMutableBufferPointer { b in
            for i in 0..<count {
                var rng = SeededGenerator(seed: seed, stream: 0x4C4F_4341_0000_0000 &+ UInt64(i))
                Impairments(snrDB: snrDB).apply(
                    to: UnsafeMutableBufferPointer(rebasing: b[(i * m)..<((i + 1) * m)]),
                    antennas: antennas, frequencies: frequencies, carrier: carrier, rng: &rng)
            }
        }
        return out
    }

    /// `count` test points uniform in the scene's UE region from `seed`, with their exact channels (and LoS
    /// flags when the scene has NLoS regions).
    package static func simulate(_ sim: ChannelSimulator, count: Int, seed: UInt64) -> TestSet {
        let positions = PositionSampler.uniform(in: sim.scene.ueRegion, count: count, seed: seed)
        var csi = [Float](repeating: 0, count: count * sim.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in csi.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) } }
        let los = sim.labelsLineOfSight ? positions.map(sim.hasLineOfSight(at:)) : nil
        return TestSet(positions: positions, csi: csi, valuesPerChannel: sim.valuesPerChannel, los: los)
    }

    /// The channel of test point `i`.
    package func channel(_ i: Int) -> ArraySlice<Float> { csi[(i * valuesPerChannel)..<((i + 1) * valuesPerChannel)] }
}
