public import CSIChannel
import CSINumerics
public import CSIWire
import Foundation

/// Turns an NPZ dataset (`CSIDataset`, docs/datasets.md) into a CSI capture: one protocol v1 message per
/// sample, with the ground truth attached, ready for `csiloc replay` and `csiloc evaluate`. The engine of
/// `csiloc import`.
///
/// Sample *i* becomes the record of a message on `csi/v1/<receiver>/<ue>` with `seq` = *i*,
/// `t_capture_ns` = `t_publish_ns` = `t_recv_ns` = start + *i* / rate, the (optionally impaired) channel
/// in cf32 or ci16 (per-frame scale, ``FrameEncoder/int16Scale(for:)``), the payload CRC, and the extension
/// `{"truth":[x,y,z]}` (plus `"los":true|false` when the dataset has a `los` array). The metadata carries
/// the antennas, frequencies and carrier.
///
/// **Determinism.** The output depends only on the dataset and the options: sample *i* draws its
/// impairments from `SeededGenerator(seed, stream: 0x4C4F_4341_0000_0000 + i)` — the same stream that
/// `csiloc localize --snr-db X --seed N` uses — so importing with `--snr-db X --seed N` and evaluating
/// the capture reproduces `localize --snr-db X --seed N` exactly (with a random phase offset the draws
/// differ). The metadata's `created` is the synthetic start time, not the wall clock.
public struct DatasetImporter: Sendable {
    /// Wire sample format of the imported frames.
    public enum SampleEncoding: String, Sendable, CaseIterable {
        /// Complex float32: the dataset's complex64 values, bit for bit.
        case cf32
        /// Complex int16 × per-frame scale (quantized: about 4.5 significant digits).
        case ci16
    }

    /// How to turn the samples into frames.
    public struct Options: Sendable {
        /// Add white Gaussian noise at this per-sample SNR (dB).
        public var snrDB: Double?
        /// Rotate each sample by a uniformly random common phase (an unsynchronised oscillator).
        public var randomPhase = false
        /// Frame rate of the synthetic timestamps, Hz.
        public var rateHz = 100.0
        /// `receiver_id` and `ue_id` of every frame.
        public var receiverID: UInt32 = 1
        /// `ue_id` of every frame.
        public var ueID: UInt32 = 1
        /// Seed of the impairments.
        public var seed: UInt64 = 1
        /// Wire sample format.
        public var encoding = SampleEncoding.cf32
        /// Timestamp of sample 0, ns since the Unix epoch (default 2026-01-01T00:00:00Z).
        package var startNs: Int64 = 1_767_225_600_000_000_000
        /// Recorded in the metadata (`extra.dataset`).
        public var sourceName = ""
        /// Metadata `tool` and `tool_version`.
        package var tool = "csiloc import"
        /// Metadata `tool_version`: the version of the importing tool (empty: not recorded).
        public var toolVersion = ""

        /// Creates options with the defaults above.
        public init() {}
    }

    /// The stream of sample `index`'s impairments (shared with `csiloc localize --snr-db`).
    static func noiseStream(_ index: Int) -> UInt64 { 0x4C4F_4341_0000_0000 &+ UInt64(index) }

    /// The dataset.
    let dataset: CSIDataset
    /// The options.
    let options: Options

    /// Checks that the dataset fits protocol v1 (≤ 65535 antennas and subcarriers) and the options are sane.
    public init(dataset: CSIDataset, options: Options) throws {
        guard dataset.antennaCount > 0, dataset.antennaCount <= Int(UInt16.max),
            dataset.subcarrierCount > 0, dataset.subcarrierCount <= Int(UInt16.max)
        else {
            throw CaptureError.invalidRecord(
                "\(dataset.antennaCount) antennas × \(dataset.subcarrierCount) subcarriers do not fit protocol v1 (1…65535 each)"
            )
        }
        guard options.rateHz.isFinite, options.rateHz > 0 else {
            throw CaptureError.invalidRecord(
                "rate must be a positive number of frames per second, got \(options.rateHz)")
        }
        // The last timestamp, start + (count − 1) / rate, must be an Int64 of nanoseconds.
        let lastOffsetNs = Double(max(dataset.count - 1, 0)) * 1e9 / options.rateHz
        guard lastOffsetNs < 0x1p62, Double(options.startNs) + lastOffsetNs < 0x1p63 else {
            throw CaptureError.invalidRecord(
                "rate \(options.rateHz) Hz is too low for \(dataset.count) frames: the timestamps would not fit 64-bit nanoseconds"
            )
        }
        if let snr = dataset.reportedSNRdB, snr.count != dataset.count {
            throw CaptureError.invalidRecord("\(snr.count) reported SNRs for \(dataset.count) samples")
        }
        self.dataset = dataset
        self.options = options
    }

    /// Number of records the capture will hold.
    public var count: Int { dataset.count }

    /// The capture's metadata.
    public func metadata() -> CaptureMetadata {
        var extra: [String: JSONValue] = [
            "dataset": .string(options.sourceName), "seed": .integer(options.seed),
            "rate_hz": .double(options.rateHz), "format": .string(options.encoding.rawValue),
            "random_phase": .bool(options.randomPhase),
        ]
        if let snr = options.snrDB { extra["snr_db"] = .double(snr) }
        let created = Date(timeIntervalSince1970: Double(options.startNs) / 1e9)
        return CaptureMetadata(
            tool: options.tool, toolVersion: options.toolVersion, created: CaptureMetadata.timestamp(created),
            sourceEndpoint: "", topicPrefix: WireTopic.prefix(.csi), kind: .csi,
            antennas: dataset.antennas, frequencies: dataset.frequencies, carrier: dataset.carrier,
            extra: .object(extra))
    }

    /// Timestamp of sample `index`, ns since the Unix epoch.
    package func timeNs(_ index: Int) -> Int64 {
        let offset = (Double(index) * 1e9 / options.rateHz).rounded()
        return options.startNs &+ (offset < 0x1p63 ? Int64(offset) : .max) // init keeps real indices in range
    }

    /// The (impaired) channel of sample `index`: interleaved complex64, antenna-major.
    public func samples(_ index: Int) -> [Float] {
        var h = Array(dataset.channel(index))
        let impairments = Impairments(snrDB: options.snrDB, randomCommonPhase: options.randomPhase)
        if impairments.isActive {
            var rng = SeededGenerator(seed: options.seed, stream: Self.noiseStream(index))
            h.withUnsafeMutableBufferPointer {
                impairments.apply(
                    to: $0, antennas: dataset.antennaCount, frequencies: dataset.frequencies,
                    carrier: dataset.carrier, rng: &rng)
            }
        }
        return h
    }

    /// The SNR sample `index`'s frame reports, dB (NaN = none): the dataset's `snr_db` with the added noise
    /// counted in (`ReportedSNR.afterAdding`, as `csiloc localize --snr-db` reports it).
    package func reportedSNR(_ index: Int) -> Double {
        let prior = dataset.reportedSNRdB?[index]
        guard let added = options.snrDB else { return prior ?? .nan }
        return ReportedSNR.afterAdding(added, to: prior)
    }

    /// The capture record of sample `index`.
    package func record(_ index: Int) throws -> CaptureRecord {
        let samples = samples(index)
        let p = dataset.positions[index]
        var members: [String: JSONValue] = [:]
        if let los = dataset.los { members["los"] = .bool(los[index]) }
        let t = timeNs(index)
        let frame = CSIFrame(
            seq: UInt64(index), receiverID: options.receiverID, ueID: options.ueID,
            antennaCount: UInt16(dataset.antennaCount), subcarrierCount: UInt16(dataset.subcarrierCount),
            samples: samples, tCaptureNs: t, tPublishNs: t, snrDb: Float(reportedSNR(index)),
            extension: try FrameExtension(truth: p, extra: members))
        let encoding: FrameEncoder.Encoding =
            switch options.encoding {
            case .cf32: .complexFloat32
            case .ci16: .complexInt16(scale: FrameEncoder.int16Scale(for: samples))
            }
        return CaptureRecord(tRecvNs: t, parts: try FrameEncoder(encoding: encoding).encode(frame))
    }

    /// Writes the first `limit` samples (all by default) to a new capture file; returns the record count.
    ///
    /// - Parameter progress: called after each record with the number written so far.
    @discardableResult
    public func write(
        to path: String, limit: Int? = nil, overwrite: Bool = false,
        progress: (Int) -> Void = { _ in }
    ) throws -> Int {
        let n = min(limit ?? count, count)
        // Batch writes: the importer is not a live recorder, durability per record buys nothing here.
        let writer = try CaptureWriter(
            path: path, metadata: metadata(),
            flushPolicy: .init(everyRecords: 256), overwrite: overwrite)
        for i in 0..<n {
            try writer.append(record(i))
            progress(i + 1)
        }
        try writer.close()
        return n
    }
}
