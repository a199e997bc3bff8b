/// A `Double` report field that is written as JSON `null` when it is not finite (NaN, ±∞), the convention of
/// every `--json` output of `csiloc` (e.g. the median error of an empty subset). Decodes `null` as NaN.
@propertyWrapper
public struct FiniteOrNull: Codable, Sendable, Equatable {
    /// The value; not finite is encoded as JSON `null`.
    public var wrappedValue: Double

    /// Wraps `wrappedValue`.
    public init(wrappedValue: Double) {
        self.wrappedValue = wrappedValue
    }

    /// Decodes a number, `null` as NaN.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? .nan : try container.decode(Double.self)
    }

    /// Encodes the value, `null` when it is not finite.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if wrappedValue.isFinite { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }

    /// NaN equals NaN here: two reports with the same missing figure are the same report.
    public static func == (a: FiniteOrNull, b: FiniteOrNull) -> Bool {
        a.wrappedValue == b.wrappedValue || (a.wrappedValue.isNaN && b.wrappedValue.isNaN)
    }
}
