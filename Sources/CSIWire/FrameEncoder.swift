/// Builds the message parts of a protocol v1 CSI message from a ``CSIFrame``: exactly what
/// ``FrameDecoder`` accepts, so publishers, importers and tests share one definition of the format.
///
/// The header is written from `frame.header` verbatim except for the fields the encoder owns:
/// `sample_format` and `scale` (from ``format``), `crc32c` (computed or 0), and `header_length` (at least 64;
/// a longer value produces a zero-filled tail). `n_ant`/`n_sc` must agree with the sample count. Other
/// fields are not validated, and NaN cf32 samples are written as they are, so tests can build messages the
/// decoder rejects.
public struct FrameEncoder: Sendable {
    /// How samples are written on the wire.
    public enum Encoding: Sendable, Hashable {
        /// Float32 pairs, `scale` written as 1.
        case complexFloat32
        /// Int16 pairs with `value ≈ int16 × scale`: each value is divided by `scale`, rounded to nearest
        /// and must fit in `Int16` (see ``FrameEncoder/int16Scale(for:)``).
        case complexInt16(scale: Float)
    }

    /// Why a frame could not be encoded.
    public struct EncodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Human-readable reason.
        public let message: String
        /// The reason, as `message`.
        public var description: String { message }
    }

    /// Sample encoding.
    public var encoding: Encoding
    /// Whether to compute the CRC-32C of the payload (otherwise `crc32c` is 0, "not computed").
    public var computeCRC: Bool

    /// Creates an encoder.
    public init(encoding: Encoding = .complexFloat32, computeCRC: Bool = true) {
        self.encoding = encoding
        self.computeCRC = computeCRC
    }

    /// The smallest scale at which every value of `samples` fits in int16 (`peak / 32767`), or 1 when all
    /// samples are zero or none is finite. Use it for `.complexInt16(scale:)` to keep maximal precision.
    public static func int16Scale(for samples: [Float]) -> Float {
        let peak = samples.reduce(Float(0)) { $1.isFinite ? max($0, abs($1)) : $0 }
        guard peak > 0 else { return 1 }
        let scale = peak / Float(Int16.max)
        return scale > 0 && scale.isFinite ? scale : 1
    }

    /// Encodes `frame` as `[topic, header, payload]`, plus `[extension]` when `frame.extension` is set.
    public func encode(_ frame: CSIFrame) throws(EncodingError) -> [[UInt8]] {
        let elements = frame.header.elementCount
        guard frame.samples.count == 2 * elements else {
            throw EncodingError(
                message: "\(frame.samples.count) sample values for n_ant·n_sc = \(elements) (need \(2 * elements))")
        }
        var header = frame.header
        header.headerLength = max(header.headerLength, UInt16(CSIFrameHeader.minimumLength))
        let payload: [UInt8]
        switch encoding {
        case .complexFloat32:
            header.sampleFormatCode = SampleFormat.complexFloat32.rawValue
            header.scale = 1
            payload = FrameEncoder.float32Payload(frame.samples)
        case .complexInt16(let scale):
            guard scale.isFinite, scale > 0 else {
                throw EncodingError(message: "ci16 scale \(scale) must be finite and > 0")
            }
            header.sampleFormatCode = SampleFormat.complexInt16.rawValue
            header.scale = scale
            payload = try FrameEncoder.int16Payload(frame.samples, scale: scale)
        }
        // A payload whose CRC happens to be 0 (1 in 2³²) is indistinguishable from "not computed"; it is
        // then simply accepted unchecked, which is harmless.
        header.crc32c = computeCRC ? CRC32C.checksum(payload) : 0
        var parts = [frame.topic.bytes, header.serialized(), payload]
        if let frameExtension = frame.extension {
            parts.append(frameExtension.rawJSON)
        }
        return parts
    }

    private static func float32Payload(_ samples: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(4 * samples.count)
        for value in samples {
            ByteCoding.append(value.bitPattern, to: &bytes)
        }
        return bytes
    }

    private static func int16Payload(_ samples: [Float], scale: Float) throws(EncodingError) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(2 * samples.count)
        for (i, value) in samples.enumerated() {
            let scaled = (value / scale).rounded()
            guard let quantized = Int16(exactly: scaled) else {
                throw EncodingError(
                    message: "sample value \(i) = \(value) is \(scaled) × scale \(scale): not representable as int16")
            }
            ByteCoding.append(quantized, to: &bytes)
        }
        return bytes
    }
}
