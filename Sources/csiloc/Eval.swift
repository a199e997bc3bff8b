import ArgumentParser
import CSIChannel
import CSIModel
import CSINumerics
import Foundation

/// `csiloc eval`: reconstruction NMSE of a model on a dataset.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruction error (NMSE) of a model on a dataset.",
        discussion: "Example: csiloc eval --model out/street.csimodel --data out/test.npz [--json]"
    )

    @Option(name: .long, help: "Model file.")
    var model: String

    @Option(name: .long, help: "Dataset (NPZ) with ground-truth channels.")
    var data: String

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Option(name: .long, help: "Draw truth vs reconstruction and their spatial spectra over a λ/4 patch into this SVG (needs --scene).")
    var picture: String?

    @Option(name: .long, help: "Scene YAML giving the ground truth for --picture.")
    var scene: String?

    @Option(name: .long, help: "Side of the --picture patch in metres (centred on the training area).")
    var patchSize: Double = 2.5

    func validate() throws {
        if picture != nil && scene == nil { throw ValidationError("--picture needs --scene SCENE.yaml for the ground truth on the patch") }
        guard patchSize > 0 && patchSize <= 20 else { throw ValidationError("--patch-size must be in (0, 20] metres") }
    }

    func run() throws {
        let loaded = try ModelLoader.load(contentsOf: model)
        let dataset = try CSIDataset.load(contentsOf: data)
        try Self.checkCompatible(loaded, dataset, data)
        let t0 = Date()
        let reference = dataset.csi.map(Double.init)
        let (e, n) = reference.withUnsafeBufferPointer {
            ChannelError.perLocation(loaded.model, positions: dataset.positions, reference: $0)
        }
        let seconds = Date().timeIntervalSince(t0)
        // Also after each sample's own best gain, phase and timing offset: what a localizer removing those
        // unknowns sees, and the only meaningful figure for a model of an unsynchronised survey.
        let (ei, ni) = reference.withUnsafeBufferPointer {
            ChannelError.perLocation(loaded.model, positions: dataset.positions, reference: $0, nuisance: .phaseGainAndTiming)
        }
        let all = ChannelError.from(error: e, energy: n), invariant = ChannelError.from(error: ei, energy: ni)
        var split: [(String, ChannelError, ChannelError)] = []
        if let los = dataset.los {
            for (name, idx) in [("los", los.indices.filter { los[$0] }), ("nlos", los.indices.filter { !los[$0] })] where !idx.isEmpty {
                split.append((name, ChannelError.from(error: idx.map { e[$0] }, energy: idx.map { n[$0] }),
                              ChannelError.from(error: idx.map { ei[$0] }, energy: idx.map { ni[$0] })))
            }
        }
        if let picture, let scenePath = scene {
            let sc = try Scene.load(contentsOf: scenePath)
            let r = loaded.searchRegion
            let c = Point3((r.x.lowerBound + r.x.upperBound) / 2, (r.y.lowerBound + r.y.upperBound) / 2, r.z.lowerBound)
            try Self.picture(model: loaded.model, label: loaded.header.kind, scene: sc, center: c, size: patchSize, path: picture)
            if !json { print("eval: wrote \(picture)") }
        }
        if json {
            var fields = [
                "\"model\":\"\(loaded.header.kind)\"", "\"model_digest\":\"\(loaded.digest)\"",
                "\"nmse_db\":\(jsonNumber(all.nmseDB))", "\"nmse_sum_db\":\(jsonNumber(all.nmseSumDB))",
                "\"nmse_invariant_db\":\(jsonNumber(invariant.nmseDB))", "\"model_nuisance\":\"\(loaded.nuisance.rawValue)\"",
                "\"points\":\(all.points)", "\"seconds\":\(jsonNumber(seconds))",
                "\"channels_per_second\":\(jsonNumber(Double(all.points) / max(seconds, 1e-9)))",
            ]
            for (name, s, inv) in split {
                fields.append("\"\(name)\":{\"nmse_db\":\(jsonNumber(s.nmseDB)),\"nmse_sum_db\":\(jsonNumber(s.nmseSumDB)),\"nmse_invariant_db\":\(jsonNumber(inv.nmseDB)),\"points\":\(s.points)}")
            }
            print("{" + fields.joined(separator: ",") + "}")
        } else {
            print(String(format: "eval: %@ model %@ on %@: NMSE %.2f dB (mean of per-location ratios), %.2f dB (ratio of sums), %d points, %.0f channels/s",
                         loaded.header.kind, String(loaded.digest.prefix(12)), data, all.nmseDB, all.nmseSumDB, all.points,
                         Double(all.points) / max(seconds, 1e-9)))
            print(String(format: "  after each sample's own gain, phase and timing offset: NMSE %.2f dB%@", invariant.nmseDB,
                         loaded.nuisance == .none ? "" : " (the model was trained on an unsynchronised survey, \(loaded.nuisance.rawValue): this is its figure)"))
            for (name, s, inv) in split {
                print(String(format: "  %@: NMSE %.2f dB, ratio of sums %.2f dB, invariant %.2f dB, %d points", name.uppercased(),
                             s.nmseDB, s.nmseSumDB, inv.nmseDB, s.points))
            }
        }
    }

    /// The dataset must be measured with the antennas and subcarriers the model was trained for.
    static func checkCompatible(_ loaded: LoadedModel, _ dataset: CSIDataset, _ path: String) throws {
        let m = loaded.model
        guard dataset.antennaCount == m.antennaCount, dataset.subcarrierCount == m.subcarrierCount else {
            throw ValidationError("\(path): \(dataset.antennaCount) antennas × \(dataset.subcarrierCount) subcarriers, but the model serves \(m.antennaCount) × \(m.subcarrierCount)")
        }
        let df = zip(dataset.frequencies, m.frequencies).map { abs($0 - $1) }.max() ?? 0
        let da = zip(dataset.antennas, m.antennaPositions).map { ($0 - $1).length }.max() ?? 0
        guard df <= 1e-6 * (m.frequencies.first ?? 1), da <= 1e-6 else {
            throw ValidationError("\(path): frequencies or antenna positions differ from the model's (max difference \(df) Hz, \(da) m)")
        }
    }
}

func jsonNumber(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
