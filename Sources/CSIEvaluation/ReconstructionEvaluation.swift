public import CSIChannel
public import CSIModel
import Foundation

/// `csiloc eval`: the reconstruction NMSE of a model on a dataset, as given and after each sample's own best
/// gain, phase and timing offset, with a LoS/NLoS split when the dataset has LoS flags.
public struct ReconstructionEvaluation: Sendable {
    /// Errors of one subset (`los`, `nlos`).
    package struct Subset: Sendable {
        package var name: String
        package var error: ChannelError
        var invariant: ChannelError
    }

    var modelKind: String
    var modelDigest: String
    var modelNuisance: NuisanceModel
    package var data: String
    package var all: ChannelError
    /// After each sample's own gain, phase and timing offset: what a localizer removing those unknowns sees.
    var invariant: ChannelError
    var subsets: [Subset]
    /// Wall time of the first (as given) evaluation.
    public var seconds: Double

    /// Measures `loaded` on `dataset` (read from `data`).
    ///
    /// - Throws: ``EvaluationError`` when the dataset was measured with other antennas or subcarriers.
    public static func run(
        model loaded: LoadedModel, dataset: CSIDataset, data: String
    ) throws(EvaluationError) -> ReconstructionEvaluation {
        try checkCompatible(loaded, dataset, data)
        let t0 = Date()
        let reference = dataset.csi.map(Double.init)
        let (e, n) = reference.withUnsafeBufferPointer {
            ChannelError.perLocation(loaded.model, positions: dataset.positions, reference: $0)
        }
        let seconds = Date().timeIntervalSince(t0)
        let (ei, ni) = reference.withUnsafeBufferPointer {
            ChannelError.perLocation(
                loaded.model, positions: dataset.positions, reference: $0, nuisance: .phaseGainAndTiming)
        }
        var subsets: [Subset] = []
        if let los = dataset.los {
            for (name, idx) in [("los", los.indices.filter { los[$0] }), ("nlos", los.indices.filter { !los[$0] })]
            where !idx.isEmpty {
                subsets.append(
                    Subset(
                        name: name, error: ChannelError.from(error: idx.map { e[$0] }, energy: idx.map { n[$0] }),
                        invariant: ChannelError.from(error: idx.map { ei[$0] }, energy: idx.map { ni[$0] })))
            }
        }
        return ReconstructionEvaluation(
            modelKind: loaded.header.kind, modelDigest: loaded.digest, modelNuisance: loaded.nuisance,
            data: data, all: ChannelError.from(error: e, energy: n),
            invariant: ChannelError.from(error: ei, energy: ni), subsets: subsets, seconds: seconds)
    }

    /// The dataset must be measured with the antennas and subcarriers the model was trained for.
    static func checkCompatible(
        _ loaded: LoadedModel, _ dataset: CSIDataset, _ path: String
    ) throws(EvaluationError) {
        let m = loaded.model
        guard dataset.antennaCount == m.antennaCount, dataset.subcarrierCount == m.subcarrierCount else {
            throw EvaluationError(
                "\(path): \(dataset.antennaCount) antennas × \(dataset.subcarrierCount) subcarriers, but the model serves \(m.antennaCount) × \(m.subcarrierCount)"
            )
        }
        let df = zip(dataset.frequencies, m.frequencies).map { abs($0 - $1) }.max() ?? 0
        let da = zip(dataset.antennas, m.antennaPositions).map { ($0 - $1).length }.max() ?? 0
        guard df <= 1e-6 * (m.frequencies.first ?? 1), da <= 1e-6 else {
            throw EvaluationError(
                "\(path): frequencies or antenna positions differ from the model's (max difference \(df) Hz, \(da) m)")
        }
    }

    var channelsPerSecond: Double { Double(all.points) / max(seconds, 1e-9) }

    /// The `--json` report.
    public var report: ReconstructionReport {
        var r = ReconstructionReport(
            model: modelKind, modelDigest: modelDigest, nmseDB: all.nmseDB, nmseSumDB: all.nmseSumDB,
            nmseInvariantDB: invariant.nmseDB, modelNuisance: modelNuisance.rawValue, points: all.points,
            seconds: seconds, channelsPerSecond: channelsPerSecond)
        for s in subsets {
            let figures = ReconstructionReport.Subset(
                nmseDB: s.error.nmseDB, nmseSumDB: s.error.nmseSumDB,
                nmseInvariantDB: s.invariant.nmseDB, points: s.error.points)
            if s.name == "los" { r.los = figures } else { r.nlos = figures }
        }
        return r
    }

    /// The text summary.
    public var lines: [String] {
        var lines = [
            String(
                format:
                    "eval: %@ model %@ on %@: NMSE %.2f dB (mean of per-location ratios), %.2f dB (ratio of sums), %d points, %.0f channels/s",
                modelKind, String(modelDigest.prefix(12)), data, all.nmseDB, all.nmseSumDB, all.points,
                channelsPerSecond)
        ]
        lines.append(
            String(
                format: "  after each sample's own gain, phase and timing offset: NMSE %.2f dB%@", invariant.nmseDB,
                modelNuisance == .none
                    ? ""
                    : " (the model was trained on an unsynchronised survey, \(modelNuisance.rawValue): this is its figure)"
            ))
        for s in subsets {
            lines.append(
                String(
                    format: "  %@: NMSE %.2f dB, ratio of sums %.2f dB, invariant %.2f dB, %d points",
                    s.name.uppercased(),
                    s.error.nmseDB, s.error.nmseSumDB, s.invariant.nmseDB, s.error.points))
        }
        return lines
    }
}
