/// Turns the parts of a received protocol v1 CSI message into a validated ``CSIFrame``, or a
/// ``FrameRejection`` saying exactly why not.
///
/// Never traps on any input: every length is checked before it is used, size arithmetic is overflow-checked,
/// and allocation is bounded by ``Limits`` before anything proportional to a header field is allocated.
/// Checks run in a fixed order (documented in `docs/protocol.md`), so a message with several defects
/// reports the first one in that order.
///
/// A decoder is an immutable value: share one across threads freely.
public struct FrameDecoder: Sendable {
    /// Upper bounds that keep a hostile or broken publisher from making the decoder allocate a lot.
    public struct Limits: Sendable, Hashable {
        /// Longest accepted topic part, in bytes.
        var maxTopicBytes: Int
        /// Largest accepted `n_ant · n_sc`.
        public var maxElements: Int
        /// Largest accepted extension part, in bytes.
        public var maxExtensionBytes: Int

        /// Creates limits; the defaults allow 1 Mi complex samples (8 MiB of cf32), e.g. 64 × 16384.
        public init(
            maxTopicBytes: Int = WireTopic.defaultMaxLength,
            maxElements: Int = 1 << 20,
            maxExtensionBytes: Int = FrameExtension.defaultMaxBytes
        ) {
            self.maxTopicBytes = maxTopicBytes
            self.maxElements = maxElements
            self.maxExtensionBytes = maxExtensionBytes
        }
    }

    /// What to do with the header's `crc32c` field.
    public enum CRCPolicy: Sendable, Hashable {
        /// Verify when non-zero, accept 0 ("not computed"). The default.
        case verifyIfPresent
        /// Reject frames whose `crc32c` is 0 (`missing_crc`) and verify the others.
        case require
        /// Never compute the CRC (saves a pass over the payload when the transport is trusted).
        case ignore
    }

    /// Allocation and size limits.
    public var limits: Limits
    /// CRC handling.
    public var crcPolicy: CRCPolicy

    /// Creates a decoder.
    public init(limits: Limits = Limits(), crcPolicy: CRCPolicy = .verifyIfPresent) {
        self.limits = limits
        self.crcPolicy = crcPolicy
    }

    /// Decodes `[topic, header, payload]` or `[topic, header, payload, extension]`.
    ///
    /// An empty 4th part is treated as "no extension".
    public func decode(_ parts: [[UInt8]]) throws(FrameRejection) -> CSIFrame {
        guard parts.count == 3 || parts.count == 4 else {
            throw FrameRejection(.wrongPartCount, "message has \(parts.count) parts, expected 3 or 4")
        }
        let topicPart = parts[0]
        let payload = parts[2]

        guard topicPart.count <= limits.maxTopicBytes else {
            throw FrameRejection(.badTopic, "topic is \(topicPart.count) bytes, limit \(limits.maxTopicBytes)")
        }
        guard let topic = WireTopic(parsing: topicPart, maxLength: limits.maxTopicBytes), topic.kind == .csi else {
            throw FrameRejection(.badTopic, "topic \(FrameDecoder.printable(topicPart)) is not csi/v1/<receiver>/<ue>")
        }

        let header = try CSIFrameHeader(parsing: parts[1])

        guard topic.receiverID == header.receiverID, topic.ueID == header.ueID else {
            throw FrameRejection(
                .topicHeaderMismatch,
                "topic \(topic) but header has receiver_id \(header.receiverID), ue_id \(header.ueID)")
        }
        guard header.txPorts == 1 else {
            throw FrameRejection(.unsupportedTxPorts, "n_tx_ports is \(header.txPorts), only 1 is supported")
        }
        guard let format = header.sampleFormat else {
            throw FrameRejection(.unsupportedFormat, "sample_format code \(header.sampleFormatCode) is unknown")
        }
        guard header.layout != nil else {
            throw FrameRejection(.unsupportedLayout, "layout code \(header.layoutCode) is unknown")
        }
        guard header.antennaCount > 0, header.subcarrierCount > 0 else {
            throw FrameRejection(
                .zeroDimension, "n_ant is \(header.antennaCount), n_sc is \(header.subcarrierCount); both must be > 0")
        }
        let elements = header.elementCount
        guard elements <= limits.maxElements else {
            throw FrameRejection(
                .oversized,
                "n_ant·n_sc = \(header.antennaCount)·\(header.subcarrierCount) = \(elements), limit \(limits.maxElements)"
            )
        }
        let (expectedBytes, overflow) = elements.multipliedReportingOverflow(by: format.bytesPerSample)
        guard !overflow, payload.count == expectedBytes else {
            throw FrameRejection(
                .sizeMismatch,
                "payload is \(payload.count) bytes, header says \(header.antennaCount)·\(header.subcarrierCount) "
                    + "\(format.shortName) samples = \(overflow ? "overflow" : String(expectedBytes)) bytes")
        }
        if format == .complexInt16 {
            guard header.scale.isFinite, header.scale > 0 else {
                throw FrameRejection(.badScale, "scale is \(header.scale); ci16 needs a finite scale > 0")
            }
        }
        try checkCRC(header: header, payload: payload)

        let samples = try FrameDecoder.convert(payload, format: format, scale: header.scale, elements: elements)

        var frameExtension: FrameExtension?
        if parts.count == 4, !parts[3].isEmpty {
            frameExtension = try FrameExtension(parsing: parts[3], maxBytes: limits.maxExtensionBytes)
        }
        return CSIFrame(header: header, samples: samples, extension: frameExtension)
    }

    private func checkCRC(header: CSIFrameHeader, payload: [UInt8]) throws(FrameRejection) {
        switch crcPolicy {
        case .ignore:
            return
        case .require where header.crc32c == 0:
            throw FrameRejection(.missingCRC, "crc32c is 0 (not computed) but this decoder requires a CRC")
        case .require, .verifyIfPresent:
            guard header.crc32c != 0 else { return }
            let actual = CRC32C.checksum(payload)
            guard actual == header.crc32c else {
                throw FrameRejection(
                    .crcMismatch,
                    "payload CRC-32C is 0x\(String(actual, radix: 16)), header says 0x\(String(header.crc32c, radix: 16))"
                )
            }
        }
    }

    /// Converts a size-checked payload to interleaved float32, rejecting NaN/Inf (including ci16 values
    /// whose scaled result overflows Float).
    private static func convert(
        _ payload: [UInt8], format: SampleFormat, scale: Float, elements: Int
    ) throws(FrameRejection) -> [Float] {
        let count = 2 * elements
        var firstBad = -1
        let samples = payload.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                switch format {
                case .complexFloat32:
                    for i in 0..<count {
                        let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                        let value = Float(bitPattern: bits)
                        if !value.isFinite, firstBad < 0 { firstBad = i }
                        out[i] = value
                    }
                case .complexInt16:
                    for i in 0..<count {
                        let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        let value = Float(Int16(bitPattern: bits)) * scale
                        if !value.isFinite, firstBad < 0 { firstBad = i }
                        out[i] = value
                    }
                }
                initialized = count
            }
        }
        guard firstBad < 0 else {
            let part = firstBad % 2 == 0 ? "re" : "im"
            throw FrameRejection(
                .nonFiniteSample, "sample \(firstBad / 2) (\(part)) is \(samples[firstBad]) after decoding")
        }
        return samples
    }

    /// A log-safe rendering of an untrusted topic: printable ASCII kept, the rest escaped, at most 64 bytes.
    static func printable(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes.prefix(64) {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\"") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return text + (bytes.count > 64 ? "…\"" : "\"")
    }
}
