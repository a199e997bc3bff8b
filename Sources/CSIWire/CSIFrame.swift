/// One CSI snapshot: the header fields, the complex channel matrix (n_ant × n_sc, antenna-major) as
/// interleaved complex64, and the optional extension.
///
/// This is what ``FrameDecoder`` produces from a validated message and what ``FrameEncoder`` turns back into
/// message parts. Whatever the wire format was (cf32 or ci16 × scale), ``samples`` is float32 with
/// `samples[2·k]` the real and `samples[2·k+1]` the imaginary part of element `k = a · n_sc + s`.
/// The header keeps what was received (`sampleFormatCode`, `scale`, `crc32c`, `headerLength`) for logs and
/// metrics; the samples are already scaled.
public struct CSIFrame: Sendable, Hashable {
    /// Header fields as received (or to be sent, apart from the fields the encoder fills in).
    public var header: CSIFrameHeader
    /// Interleaved `(re, im)` float32 pairs, `2 · n_ant · n_sc` values, antenna-major.
    public var samples: [Float]
    /// The parsed 4th part, if the message had a non-empty one.
    public var `extension`: FrameExtension?

    /// Creates a frame from a header and its samples.
    public init(header: CSIFrameHeader, samples: [Float], extension: FrameExtension? = nil) {
        self.header = header
        self.samples = samples
        self.extension = `extension`
    }

    /// Creates a v1 frame for publishing: the dimensions go into the header, everything else takes the
    /// ``CSIFrameHeader`` defaults unless given. `samples` must hold `2 · antennaCount · subcarrierCount`
    /// values (checked by the encoder, not here).
    public init(
        seq: UInt64,
        receiverID: UInt32,
        ueID: UInt32,
        antennaCount: UInt16,
        subcarrierCount: UInt16,
        samples: [Float],
        tCaptureNs: Int64 = 0,
        tPublishNs: Int64 = 0,
        metaEpoch: UInt32 = 0,
        snrDb: Float = .nan,
        flags: UInt8 = 0,
        extension: FrameExtension? = nil
    ) {
        self.init(
            header: CSIFrameHeader(
                seq: seq, tCaptureNs: tCaptureNs, tPublishNs: tPublishNs, receiverID: receiverID, ueID: ueID,
                antennaCount: antennaCount, subcarrierCount: subcarrierCount, flags: flags, metaEpoch: metaEpoch,
                snrDb: snrDb),
            samples: samples,
            extension: `extension`)
    }

    /// The topic this frame is published on (`csi/v1/<receiver>/<ue>`).
    package var topic: WireTopic { WireTopic(kind: .csi, receiverID: header.receiverID, ueID: header.ueID) }

    /// `n_ant`.
    public var antennaCount: Int { Int(header.antennaCount) }

    /// `n_sc`.
    public var subcarrierCount: Int { Int(header.subcarrierCount) }

    /// The ground-truth position from the extension's `truth` member, if any (metres, scene frame).
    public var truth: SIMD3<Double>? { `extension`?.truth }

    /// The complex sample of antenna `antenna` at subcarrier `subcarrier`, or `nil` when out of range.
    func sample(antenna: Int, subcarrier: Int) -> (re: Float, im: Float)? {
        guard (0..<antennaCount).contains(antenna), (0..<subcarrierCount).contains(subcarrier) else { return nil }
        let k = 2 * (antenna * subcarrierCount + subcarrier)
        guard k + 1 < samples.count else { return nil }
        return (samples[k], samples[k + 1])
    }
}
