/// A JSON number kept as its validated literal text, so integers of any width survive a round trip exactly
/// and the writer reproduces what the reader saw.
///
/// Two numbers are equal when their literals are equal (`1` and `1.0` differ); compare ``doubleValue`` for
/// numeric equality.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal, guaranteed to match the RFC 8259 number grammar.
    let literal: String

    /// Wraps an already validated literal (parser use only).
    init(validatedLiteral: String) {
        literal = validatedLiteral
    }

    /// A number from a finite `Double`, written with Swift's shortest round-trip formatting
    /// (`0.1`, `3.0`, `1e-05`, `1.5e+20`); `nil` for NaN and infinities.
    init?(_ value: Double) {
        guard value.isFinite else { return nil }
        // Swift's description is the shortest text that parses back to the same Double and always
        // matches the JSON grammar for finite values ("-0.0" included).
        literal = value.description
    }

    /// A number from an integer, written without a fraction or exponent.
    init<T: BinaryInteger>(integer value: T) {
        literal = String(value)
    }

    /// The value as a `Double`: exact for representable values, rounded otherwise, `±infinity` for literals
    /// beyond the `Double` range (callers that need finiteness must check).
    var doubleValue: Double {
        Double(literal) ?? .nan
    }

    /// The value when the literal is a plain integer (no fraction or exponent) within `Int64`.
    var int64Value: Int64? { Int64(literal) }

    /// The value when the literal is a plain non-negative integer within `UInt64`.
    var uint64Value: UInt64? { UInt64(literal) }

    /// The number's literal text, exactly as it appeared in the JSON.
    public var description: String { literal }
}
