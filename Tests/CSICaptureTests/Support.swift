import CSICapture
import CSIChannel
import CSIWire
import Foundation
import ZMQ

/// A small synthetic dataset (no simulator needed): `count` samples of a 3 × 5 channel with distinct,
/// deterministic values, positions on a line, LoS alternating.
func syntheticDataset(count: Int = 40) -> CSIDataset {
    let na = 3, ns = 5
    var csi: [Float] = []
    for m in 0..<count {
        for k in 0..<(na * ns) {
            csi.append(Float(m) * 0.25 + Float(k) * 0.5 + 0.125)
            csi.append(-Float(m) * 0.5 + Float(k) * 0.03125)
        }
    }
    return CSIDataset(
        positions: (0..<count).map { Point3(Double($0) * 0.1, 1.5 - Double($0) * 0.01, 0) },
        csi: csi, frequencies: (0..<ns).map { 3.5e9 + Double($0) * 1e6 },
        antennas: (0..<na).map { Point3(0, Double($0) * 0.04, 2) }, carrier: 3.502e9,
        los: (0..<count).map { $0 % 2 == 0 })
}

/// A fresh scratch directory under /tmp.
func scratchDirectory() throws -> String {
    let path = "/tmp/csicapture-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A unique `ipc://` endpoint inside `directory` (removed with it).
func ipcEndpoint(_ directory: String, _ tag: String) -> String { "ipc://\(directory)/\(tag).ipc" }

/// Imports `dataset` into `path` and returns its records.
@discardableResult
func importCapture(
    _ dataset: CSIDataset, to path: String, rate: Double = 100,
    configure: (inout DatasetImporter.Options) -> Void = { _ in }
) throws -> [CaptureRecord] {
    var options = DatasetImporter.Options()
    options.rateHz = rate
    configure(&options)
    try DatasetImporter(dataset: dataset, options: options).write(to: path)
    return try CaptureReader(path: path).readAll()
}

/// Records `count` messages from `endpoint` into `output` while `source` is replayed into it; the replayer
/// waits for the recorder's subscription (XPUB), so nothing is lost to the slow-joiner window.
/// Both blocking loops run on their own threads. Returns the replay's and the recording's counters.
func replayAndRecord(
    source: String, output: String, endpoint: String, speed: ReplaySpeed, count: Int,
    timeout: Duration = .seconds(20)
) async throws -> (replay: CaptureReplayer.Progress, record: CaptureRecorder.Progress) {
    let context = try Context()
    defer { context.terminate() }
    var recordConfig = CaptureRecorder.Configuration(endpoint: endpoint, path: output)
    recordConfig.count = count
    recordConfig.duration = timeout
    var replayConfig = CaptureReplayer.Configuration(path: source, endpoint: endpoint)
    replayConfig.speed = speed
    replayConfig.waitForSubscribers = .seconds(10)
    let recordSettings = recordConfig, replaySettings = replayConfig
    // Bind first (replay), then connect the recorder: the replayer sees the subscription and starts.
    async let replayed = DedicatedThread.run(name: "test-replay") {
        try CaptureReplayer(configuration: replaySettings, context: context).run()
    }
    async let recorded = DedicatedThread.run(name: "test-record") {
        try CaptureRecorder(configuration: recordSettings, context: context).run()
    }
    return try await (replayed, recorded)
}

/// Decodes every record as a CSI frame.
func decodeAll(_ records: [CaptureRecord]) throws -> [CSIFrame] {
    try records.map { try FrameDecoder().decode($0.parts) }
}

/// Bitwise frame equality (NaN `snr_db` equals itself).
func identical(_ a: CSIFrame, _ b: CSIFrame) -> Bool {
    a.header.isIdentical(to: b.header) && a.samples.map(\.bitPattern) == b.samples.map(\.bitPattern)
        && a.extension?.rawJSON == b.extension?.rawJSON
}
