/// The optional 4th part of a CSI message: a UTF-8 JSON object with optional, producer-defined members.
///
/// The only member the protocol interprets is `truth`: the transmitter's true position `[x, y, z]` in metres
/// in the scene frame (simulators and surveyed captures send it so the daemon can report `truth_error_m`).
/// Every other member is kept in ``members`` for whoever wants it, and the received bytes are kept in
/// ``rawJSON``.
public struct FrameExtension: Sendable, Hashable {
    /// Default cap on the extension part's size.
    public static let defaultMaxBytes = 64 * 1024

    /// The parsed object (including `truth` when present).
    public let members: [String: JSONValue]
    /// The JSON bytes as received (or as serialized, for an extension built from members).
    package let rawJSON: [UInt8]
    /// The validated `truth` member, if present and not `null`.
    public let truth: SIMD3<Double>?

    /// Builds an extension from members, serializing them deterministically.
    /// Throws `bad_extension` when a `truth` member is present but not 3 finite numbers.
    public init(members: [String: JSONValue]) throws(FrameRejection) {
        self.members = members
        self.rawJSON = JSONValue.object(members).serialized()
        self.truth = try FrameExtension.validateTruth(members["truth"])
    }

    /// Builds an extension carrying only a `truth` member (plus `extra` members, which must not contain
    /// `truth`).
    public init(truth: SIMD3<Double>, extra: [String: JSONValue] = [:]) throws(FrameRejection) {
        var members = extra
        members["truth"] = .array([.double(truth.x), .double(truth.y), .double(truth.z)])
        try self.init(members: members)
    }

    /// Parses and validates an extension part: at most `maxBytes`, strict UTF-8 JSON, top level an object,
    /// `truth` (if present and not `null`) an array of exactly 3 finite numbers.
    public init<Bytes: RandomAccessCollection>(
        parsing bytes: Bytes, maxBytes: Int = FrameExtension.defaultMaxBytes
    ) throws(FrameRejection) where Bytes.Element == UInt8 {
        guard bytes.count <= maxBytes else {
            throw FrameRejection(.oversized, "extension part is \(bytes.count) bytes, limit \(maxBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw FrameRejection(.badExtension, "extension part: \(error)")
        }
        guard let members = value.objectValue else {
            throw FrameRejection(.badExtension, "extension part is valid JSON but not an object")
        }
        self.members = members
        self.rawJSON = Array(bytes)
        self.truth = try FrameExtension.validateTruth(members["truth"])
    }

    private static func validateTruth(_ value: JSONValue?) throws(FrameRejection) -> SIMD3<Double>? {
        guard let value, !value.isNull else { return nil }
        guard let elements = value.arrayValue, elements.count == 3 else {
            throw FrameRejection(.badExtension, "extension 'truth' must be an array of 3 numbers")
        }
        var coordinates: [Double] = []
        for element in elements {
            guard let number = element.doubleValue, number.isFinite else {
                throw FrameRejection(.badExtension, "extension 'truth' has a non-numeric or non-finite element")
            }
            coordinates.append(number)
        }
        return SIMD3(coordinates[0], coordinates[1], coordinates[2])
    }
}
