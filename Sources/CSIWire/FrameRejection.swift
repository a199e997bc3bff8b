/// Why a CSI message was rejected by ``FrameDecoder``: a stable machine-readable ``reason`` (for metrics
/// labels and tests) plus a human-readable ``message`` with the offending values (for logs).
public struct FrameRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// Rejection reasons. The `rawValue` strings are part of the protocol's public contract: they are used
    /// as Prometheus label values (`csilocd_frames_rejected_total{reason="crc_mismatch"}`) and in docs, so
    /// they never change meaning and are only ever added to.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// Not 3 or 4 message parts.
        case wrongPartCount = "wrong_part_count"
        /// Topic not `csi/v1/<receiver>/<ue>` with canonical decimal ids, not ASCII, or too long.
        case badTopic = "bad_topic"
        /// Header part shorter than 64 bytes.
        case shortHeader = "short_header"
        /// Header does not start with `CSI1`.
        case badMagic = "bad_magic"
        /// `header_version` is not 1.
        case badVersion = "bad_version"
        /// `header_length` below 64 or different from the header part's length.
        case badHeaderLength = "bad_header_length"
        /// Receiver or UE id in the topic differs from the header.
        case topicHeaderMismatch = "topic_header_mismatch"
        /// `n_tx_ports` is not 1.
        case unsupportedTxPorts = "unsupported_tx_ports"
        /// `sample_format` is not a known code.
        case unsupportedFormat = "unsupported_format"
        /// `layout` is not a known code.
        case unsupportedLayout = "unsupported_layout"
        /// `n_ant` or `n_sc` is zero.
        case zeroDimension = "zero_dimension"
        /// `n_ant · n_sc` or the extension part exceeds its configured limit (an over-long topic is
        /// `bad_topic`).
        case oversized = "oversized"
        /// Payload length differs from `n_ant · n_sc · bytes_per_sample`.
        case sizeMismatch = "size_mismatch"
        /// `scale` is non-finite or not positive for an integer sample format.
        case badScale = "bad_scale"
        /// The header carries no CRC (`crc32c == 0`) and the decoder requires one.
        case missingCRC = "missing_crc"
        /// CRC-32C of the payload differs from the header's `crc32c`.
        case crcMismatch = "crc_mismatch"
        /// A decoded sample is NaN or infinite (after scaling, for integer formats).
        case nonFiniteSample = "non_finite_sample"
        /// The 4th part is not a UTF-8 JSON object, or its `truth` member is malformed.
        case badExtension = "bad_extension"
    }

    /// The machine-readable reason.
    public let reason: Reason
    /// A human-readable explanation including the offending values.
    public let message: String

    /// Creates a rejection.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// `reason: message`.
    public var description: String { "\(reason.rawValue): \(message)" }
}
