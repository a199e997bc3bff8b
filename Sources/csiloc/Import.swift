import ArgumentParser
import CSICapture
import CSIChannel
import Foundation

/// `csiloc import`: turn an NPZ dataset into a CSI capture with ground truth, for replay and evaluation.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert an NPZ dataset into a CSI capture file with ground truth (docs/replay.md).",
        discussion: """
            Sample i becomes frame seq i on csi/v1/<receiver>/<ue>, timestamped at i/rate after
            2026-01-01T00:00:00Z, with the extension {"truth":[x,y,z]} (and "los" when the dataset has it).
            Same dataset and options ⇒ byte-identical capture. With --snr-db X --seed N (and no phase offset)
            the added noise is exactly what `csiloc localize --snr-db X --seed N` adds. Each frame's header
            reports its SNR (snr_db: the dataset's snr_db key with the added noise counted in; NaN when unknown).
            Example:
              csiloc import test.npz --out test.csicap --snr-db 20 --rate 200
            """
    )

    @Argument(help: "Dataset (NPZ, docs/datasets.md).")
    var data: String

    @OptionGroup var capture: CaptureOutputOptions

    @Option(name: .long, help: "Add white Gaussian noise at this per-sample SNR, dB.")
    var snrDb: Double?

    @Option(name: .long, help: "'random': a uniformly random common phase per frame; 'none' (default).")
    var phaseOffset: PhaseOffsetOption = .none

    @Option(name: .long, help: "Frame rate of the synthetic timestamps, Hz.")
    var rate: Double = 100

    @Option(name: .long, help: "receiver_id of the frames.")
    var receiver: UInt32 = 1

    @Option(name: .long, help: "ue_id of the frames.")
    var ue: UInt32 = 1

    @Option(name: .long, help: "Seed of the impairments.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Sample format on the wire: cf32 (exact) or ci16 (int16 × per-frame scale).")
    var format: DatasetImporter.SampleEncoding = .cf32

    @Option(name: .long, help: "Import only the first N samples.")
    var limit: Int?

    func validate() throws {
        if !(rate > 0 && rate.isFinite) {
            throw ValidationError("--rate must be a positive number of frames per second")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        if let snrDb, !snrDb.isFinite { throw ValidationError("--snr-db must be finite") }
    }

    func run() throws {
        let dataset = try CSIDataset.load(contentsOf: data)
        var options = DatasetImporter.Options()
        options.snrDB = snrDb
        options.randomPhase = phaseOffset == .random
        options.rateHz = rate
        options.receiverID = receiver
        options.ueID = ue
        options.seed = seed
        options.encoding = format
        options.sourceName = URL(fileURLWithPath: data).lastPathComponent
        options.toolVersion = CSILocVersion.string
        let importer = try DatasetImporter(dataset: dataset, options: options)
        let total = min(limit ?? importer.count, importer.count)
        let progress = ProgressLine("import", total: total, unit: "frames", quiet: total < 10_000)
        let n = try importer.write(to: capture.out, limit: total, overwrite: capture.force) { progress.update($0) }
        let size = (try? FileManager.default.attributesOfItem(atPath: capture.out)[.size] as? Int64) ?? 0
        print(
            "import: \(n) frames (\(dataset.antennaCount) antennas × \(dataset.subcarrierCount) subcarriers, \(format.rawValue)) from \(data) → \(capture.out) (\(StatusLine.bytes(size)), \(String(format: "%g", Double(n) / rate)) s at \(String(format: "%g", rate)) Hz)"
        )
    }
}
