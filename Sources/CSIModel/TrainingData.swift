public import CSIChannel
import CSINumerics

/// A dataset prepared for fitting and training: the channels scaled by one global real factor so that the
/// mean of ‖H‖²_F/(N_a N_s) over the training samples is 1 (path loss still carries location information,
/// so there is no per-sample normalisation), and a deterministic train/validation split.
public struct TrainingData: Sendable {
    /// Position of each sample, metres.
    public let positions: [Point3]
    /// Interleaved complex, antenna-major, already multiplied by `scale`.
    public let channels: [Double]
    /// Antenna positions, metres (N_a).
    public let antennas: [Point3]
    /// Subcarrier frequencies, Hz (N_s).
    public let frequencies: [Double]
    /// Carrier frequency, Hz.
    public let carrier: Double
    /// The factor applied to the raw channels (model outputs are divided by it when evaluated).
    public let scale: Double
    /// The SNR each sample's receiver reported, dB (NaN = not reported), from the dataset's `snr_db` key.
    public let reportedSNRdB: [Double]?

    /// Number of samples.
    public var count: Int { positions.count }
    /// Number of antennas (N_a).
    public var antennaCount: Int { antennas.count }
    /// Number of subcarriers (N_s).
    public var subcarrierCount: Int { frequencies.count }
    var valuesPerSample: Int { 2 * antennaCount * subcarrierCount }

    /// Prepares `dataset` (or the subset `indices`) with the given scale, or with the scale that normalises it.
    public init(dataset: CSIDataset, indices: [Int]? = nil, scale: Double? = nil) {
        let idx = indices ?? Array(0..<dataset.count)
        let stride = dataset.valuesPerSample
        var power = 0.0
        for m in idx { for v in dataset.channel(m) { power += Double(v) * Double(v) } }
        let meanPower = power / Double(max(1, idx.count * dataset.antennaCount * dataset.subcarrierCount))
        let s = scale ?? (meanPower > 0 ? 1 / meanPower.squareRoot() : 1)
        var ch = [Double](repeating: 0, count: idx.count * stride)
        for (i, m) in idx.enumerated() {
            let base = m * stride
            for t in 0..<stride { ch[i * stride + t] = Double(dataset.csi[base + t]) * s }
        }
        self.positions = idx.map { dataset.positions[$0] }
        self.channels = ch
        self.antennas = dataset.antennas
        self.frequencies = dataset.frequencies
        self.carrier = dataset.carrier
        self.scale = s
        precondition(
            dataset.reportedSNRdB.map { $0.count == dataset.count } ?? true, "one reported SNR per sample expected")
        self.reportedSNRdB = dataset.reportedSNRdB.map { snr in idx.map { snr[$0] } }
    }

    /// A copy with other channels (same positions, geometry and scale).
    init(_ other: TrainingData, channels: [Double]) {
        positions = other.positions; self.channels = channels; antennas = other.antennas
        frequencies = other.frequencies; carrier = other.carrier; scale = other.scale
        reportedSNRdB = other.reportedSNRdB
    }

    /// The survey as `model` would have produced it: each sample's own nuisance (gain, phase, timing offset)
    /// against the model's channel removed. `outputScale` converts the model's output to these normalised units
    /// (`scale` for a model that outputs raw units). Unchanged for `.none`.
    func aligned(
        to model: some ChannelModel, outputScale: Double, nuisance: NuisanceModel,
        width: Int = Parallel.defaultWidth
    ) -> TrainingData {
        guard nuisance != .none else { return self }
        let stride = valuesPerSample
        let pred = model.channels(at: positions).map { $0 * outputScale }
        var out = [Double](repeating: 0, count: channels.count)
        out.withUnsafeMutableBufferPointer { ob in
            nonisolated(unsafe) let ob = ob
            Parallel.forEachChunk(count: count, width: width, minChunk: 32) { range in
                var match = NuisanceMatch(model: model, nuisance: nuisance)
                for i in range {
                    channels.withUnsafeBufferPointer {
                        match.load(UnsafeBufferPointer(rebasing: $0[(i * stride)..<((i + 1) * stride)]))
                    }
                    let fit = pred.withUnsafeBufferPointer { match.evaluate($0.baseAddress! + i * stride) }
                    match.align(alpha: fit.alpha, tau: fit.tau, into: ob.baseAddress! + i * stride)
                }
            }
        }
        return TrainingData(self, channels: out)
    }

    /// A deterministic split of `0..<count` into training and validation indices.
    public static func split(count: Int, validationFraction: Double, seed: UInt64) -> (train: [Int], validation: [Int])
    {
        var order = Array(0..<count)
        var rng = SeededGenerator(seed: seed, stream: 0x5350_4C54) // "SPLT"
        order.shuffle(using: &rng)
        let nVal = min(count - 1, max(1, Int((Double(count) * validationFraction).rounded())))
        return (Array(order[nVal...]).sorted(), Array(order[..<nVal]).sorted())
    }
}
