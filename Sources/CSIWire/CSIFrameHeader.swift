/// The fixed little-endian header of a protocol v1 CSI message (the second part), field by field.
///
/// Codes (`sampleFormatCode`, `layoutCode`, `txPorts`) are kept raw so that a header can be parsed, shown and
/// re-serialized even when the decoder would reject it; ``sampleFormat`` and ``layout`` give the typed view.
/// Byte offsets are listed in `docs/protocol.md`; parsing and serialization live in
/// `CSIFrameHeader+Bytes.swift`.
public struct CSIFrameHeader: Sendable, Hashable {
    /// The magic bytes at offset 0: ASCII `CSI1`.
    static let magic: [UInt8] = [0x43, 0x53, 0x49, 0x31]
    /// The `header_version` this implementation reads and writes.
    public static let currentVersion: UInt16 = 1
    /// The v1 header size; readers accept longer headers and skip the tail.
    public static let minimumLength = 64

    /// `header_version` @4.
    public var version: UInt16
    /// `header_length` @6: the length of the header part (≥ 64).
    public var headerLength: UInt16
    /// `seq` @8: per-publisher sequence number, +1 per snapshot (gaps mean drops).
    public var seq: UInt64
    /// `t_capture_ns` @16: capture (PHY) time in ns since the Unix epoch, 0 if unknown.
    public var tCaptureNs: Int64
    /// `t_publish_ns` @24: publisher's `CLOCK_REALTIME` at send, ns since the Unix epoch.
    public var tPublishNs: Int64
    /// `receiver_id` @32.
    public var receiverID: UInt32
    /// `ue_id` @36.
    public var ueID: UInt32
    /// `n_ant` @40: number of receive antennas.
    public var antennaCount: UInt16
    /// `n_sc` @42: number of subcarriers.
    public var subcarrierCount: UInt16
    /// `n_tx_ports` @44 (must be 1 in v1).
    public var txPorts: UInt8
    /// `sample_format` @45 (raw code; see ``SampleFormat``).
    public var sampleFormatCode: UInt8
    /// `layout` @46 (raw code; see ``SampleLayout``).
    public var layoutCode: UInt8
    /// `flags` @47: publisher-defined bits, passed through untouched.
    public var flags: UInt8
    /// `meta_epoch` @48: id of the metadata (geometry, subcarriers) that describes this frame.
    public var metaEpoch: UInt32
    /// `snr_db` @52: NaN if unknown.
    public var snrDb: Float
    /// `scale` @56: multiplier for integer sample formats (ignored for cf32; conventionally 1).
    package var scale: Float
    /// `crc32c` @60: CRC-32C of the payload part; 0 means "not computed".
    package var crc32c: UInt32

    /// Creates a header; defaults describe a v1, 64-byte, cf32, antenna-major, single-port frame.
    public init(
        version: UInt16 = CSIFrameHeader.currentVersion,
        headerLength: UInt16 = UInt16(CSIFrameHeader.minimumLength),
        seq: UInt64 = 0,
        tCaptureNs: Int64 = 0,
        tPublishNs: Int64 = 0,
        receiverID: UInt32 = 0,
        ueID: UInt32 = 0,
        antennaCount: UInt16 = 0,
        subcarrierCount: UInt16 = 0,
        txPorts: UInt8 = 1,
        sampleFormatCode: UInt8 = SampleFormat.complexFloat32.rawValue,
        layoutCode: UInt8 = SampleLayout.antennaMajor.rawValue,
        flags: UInt8 = 0,
        metaEpoch: UInt32 = 0,
        snrDb: Float = .nan,
        scale: Float = 1,
        crc32c: UInt32 = 0
    ) {
        self.version = version
        self.headerLength = headerLength
        self.seq = seq
        self.tCaptureNs = tCaptureNs
        self.tPublishNs = tPublishNs
        self.receiverID = receiverID
        self.ueID = ueID
        self.antennaCount = antennaCount
        self.subcarrierCount = subcarrierCount
        self.txPorts = txPorts
        self.sampleFormatCode = sampleFormatCode
        self.layoutCode = layoutCode
        self.flags = flags
        self.metaEpoch = metaEpoch
        self.snrDb = snrDb
        self.scale = scale
        self.crc32c = crc32c
    }

    /// The typed sample format, or `nil` for an unknown code.
    package var sampleFormat: SampleFormat? { SampleFormat(rawValue: sampleFormatCode) }

    /// The typed layout, or `nil` for an unknown code.
    var layout: SampleLayout? { SampleLayout(rawValue: layoutCode) }

    /// `n_ant · n_sc` (cannot overflow `Int`: both are 16-bit).
    var elementCount: Int { Int(antennaCount) * Int(subcarrierCount) }
}

extension CSIFrameHeader {
    /// Bitwise equality: unlike `==`, NaN `snr_db`/`scale` compare equal to themselves. Useful in tests and
    /// round-trip checks.
    package func isIdentical(to other: CSIFrameHeader) -> Bool {
        serialized() == other.serialized()
    }
}
