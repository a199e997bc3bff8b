public import CSIChannel
public import CSIWire

/// The CSI frames of a capture that carry a ground truth, decoded and laid out for localization: the input
/// of `csiloc evaluate` (offline: ``samples`` go to the localizer; from a position feed: ``truths`` are
/// matched to the fixes by ``keys``).
///
/// Every record is decoded with `FrameDecoder` (so payload CRCs are verified). Records that are not valid
/// CSI messages are counted by rejection reason in ``rejected`` (`"not_csi"` for position messages and
/// other topics), frames without `truth` in ``withoutTruth``, and frames whose dimensions differ from the
/// first labelled frame in ``dimensionMismatch``; none of these stops the load. Capture damage is in
/// ``report``.
public struct LabeledCapture: Sendable {
    /// `(receiver, ue, seq)` of each labelled frame, in file order.
    public var keys: [FrameKey] = []
    /// True position of each labelled frame (metres, scene frame).
    public var truths: [Point3] = []
    /// Time of each labelled frame, ns: its `t_capture_ns`, or the record's receive time when that is 0.
    public var times: [Int64] = []
    /// The extension's `los` member of each labelled frame, when present and boolean.
    public var los: [Bool?] = []
    /// The header's `snr_db` of each labelled frame (NaN = not reported).
    public var reportedSNRdB: [Double] = []
    /// Channels back to back (interleaved complex64, antenna-major, `2 · antennaCount · subcarrierCount`
    /// values each); empty when loaded without samples.
    public var samples: [Float] = []
    /// `n_ant` and `n_sc` of the labelled frames (0 when there are none).
    public var antennaCount = 0
    /// `n_sc` of the labelled frames (0 when there are none).
    public var subcarrierCount = 0
    /// Records read from the file.
    public var recordsRead = 0
    /// Records that did not decode as CSI frames, by reason code (`FrameRejection.Reason` or `not_csi`).
    public var rejected: [String: Int] = [:]
    /// Valid frames without a `truth`.
    public var withoutTruth = 0
    /// Labelled frames whose `n_ant × n_sc` differs from the first labelled frame (skipped).
    public var dimensionMismatch = 0
    /// The capture's metadata, when the file header is intact.
    public var metadata: CaptureMetadata?
    /// Damage the reader skipped.
    public var report = CaptureReadReport()

    /// Number of labelled frames.
    public var count: Int { keys.count }

    /// `los` for every frame when all are known, else `nil` (the form the localization summary takes).
    public var completeLoS: [Bool]? {
        let known = los.compactMap { $0 }
        return known.count == los.count && !los.isEmpty ? known : nil
    }

    /// Creates an empty set.
    init() {}

    /// Reads and decodes a CSI capture.
    ///
    /// - Parameters:
    ///   - keepSamples: keep the channels (offline evaluation); `false` keeps only keys and truths.
    ///   - decoder: the decoder (its limits and CRC policy apply).
    public static func load(
        path: String, keepSamples: Bool = true, decoder: FrameDecoder = FrameDecoder()
    ) throws(CaptureError) -> LabeledCapture {
        let reader = try CaptureReader(path: path)
        var set = LabeledCapture()
        set.metadata = reader.metadata
        while let record = try reader.next() {
            set.recordsRead += 1
            set.add(record.parts, decoder: decoder, keepSamples: keepSamples, receivedNs: record.tRecvNs)
        }
        set.report = reader.report
        return set
    }

    /// Keeps only the first `n` labelled frames (counters of the whole file are unchanged).
    public mutating func truncate(to n: Int) {
        guard n < count else { return }
        keys.removeLast(count - n)
        truths.removeLast(truths.count - n)
        times.removeLast(times.count - n)
        los.removeLast(los.count - n)
        reportedSNRdB.removeLast(reportedSNRdB.count - n)
        if !samples.isEmpty { samples.removeLast(samples.count - n * 2 * antennaCount * subcarrierCount) }
    }

    /// Decodes one message and adds it when it is a labelled CSI frame.
    public mutating func add(_ parts: [[UInt8]], decoder: FrameDecoder, keepSamples: Bool, receivedNs: Int64 = 0) {
        guard let topic = parts.first, WireTopic(parsing: topic)?.kind == .csi else {
            rejected["not_csi", default: 0] += 1
            return
        }
        let frame: CSIFrame
        do {
            frame = try decoder.decode(parts)
        } catch {
            rejected[error.reason.rawValue, default: 0] += 1
            return
        }
        guard let truth = frame.truth else {
            withoutTruth += 1
            return
        }
        if keys.isEmpty {
            antennaCount = frame.antennaCount
            subcarrierCount = frame.subcarrierCount
        } else if frame.antennaCount != antennaCount || frame.subcarrierCount != subcarrierCount {
            dimensionMismatch += 1
            return
        }
        keys.append(FrameKey(frame.header))
        truths.append(truth)
        times.append(frame.header.tCaptureNs != 0 ? frame.header.tCaptureNs : receivedNs)
        los.append(frame.extension?.members["los"]?.boolValue)
        reportedSNRdB.append(Double(frame.header.snrDb))
        if keepSamples { samples.append(contentsOf: frame.samples) }
    }
}
