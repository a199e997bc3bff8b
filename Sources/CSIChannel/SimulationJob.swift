public import CSINumerics

/// Simulates the channel at many positions on all cores and hands the result to a sink in order, block by
/// block, so that datasets far larger than memory can be streamed to disk.
///
/// Deterministic: impairment noise for point i is drawn from stream i of `seed`, so the output does not
/// depend on the number of threads or the block size.
public struct SimulationJob: Sendable {
    package let simulator: ChannelSimulator
    /// The positions to simulate, metres.
    public let positions: [Point3]
    /// The impairments applied to each position's channel.
    public let impairments: Impairments
    /// Seed of the impairment noise (stream i for point i).
    public let seed: UInt64
    /// Points per block handed to the sink (bounded memory: ~64 MB of complex64 per block by default).
    let blockSize: Int

    /// A job over `positions`; `blockSize` points per block (nil: ~64 MB of complex64).
    public init(
        simulator: ChannelSimulator, positions: [Point3], impairments: Impairments, seed: UInt64, blockSize: Int? = nil
    ) {
        self.simulator = simulator
        self.positions = positions
        self.impairments = impairments
        self.seed = seed
        let perPoint = max(1, simulator.valuesPerChannel * MemoryLayout<Float>.size)
        self.blockSize = max(64, blockSize ?? (64 << 20) / perPoint)
    }

    /// The per-frame nuisance the job's impairments leave in its channels, for the dataset to declare; nil when
    /// the frames stay coherent (see ``Impairments/declaredNuisance``).
    public var declaredNuisance: NuisanceModel? { impairments.declaredNuisance }

    /// Runs the job. `sink` receives consecutive blocks of complex64 channels (interleaved, antenna-major)
    /// in position order; `progress` is called with the number of points finished so far.
    public func run(
        width: Int = Parallel.defaultWidth, progress: ((Int) -> Void)? = nil,
        sink: (UnsafeBufferPointer<Float>) throws -> Void
    ) rethrows {
        let stride = simulator.valuesPerChannel
        var block = [Float](repeating: 0, count: min(blockSize, max(positions.count, 1)) * stride)
        var start = 0
        while start < positions.count {
            let n = min(blockSize, positions.count - start)
            let blockStart = start
            block.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let out = out
                Parallel.forEachChunk(count: n, width: width, minChunk: 16) { range in
                    self.simulate(
                        range: (blockStart + range.lowerBound)..<(blockStart + range.upperBound),
                        into: out.baseAddress! + range.lowerBound * stride)
                }
            }
            try block.withUnsafeBufferPointer { try sink(UnsafeBufferPointer(rebasing: $0[0..<(n * stride)])) }
            start += n
            progress?(start)
        }
    }

    /// Simulates `range` of the positions into `out` (complex64), then applies impairments per point.
    func simulate(range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let stride = simulator.valuesPerChannel
        positions.withUnsafeBufferPointer { p in
            simulator.evaluateFloat(
                UnsafeBufferPointer(rebasing: p[range]),
                into: UnsafeMutableBufferPointer(start: out, count: range.count * stride))
        }
        guard impairments.isActive else { return }
        let na = simulator.antennaCount, freqs = simulator.frequencies, f0 = simulator.scene.subcarriers.carrier
        for (offset, i) in range.enumerated() {
            var rng = SeededGenerator(seed: seed, stream: 0x494D_5000_0000_0000 &+ UInt64(i))
            impairments.apply(
                to: UnsafeMutableBufferPointer(start: out + offset * stride, count: stride),
                antennas: na, frequencies: freqs, carrier: f0, frame: i, rng: &rng)
        }
    }
}
