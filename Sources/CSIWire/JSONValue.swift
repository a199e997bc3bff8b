/// A parsed JSON document, `Sendable` and `Equatable`, used for the frame extension part, the position-fix
/// message and capture-file metadata.
///
/// The wire layer does its own JSON parsing and writing (instead of `JSONSerialization`) for three reasons:
/// untrusted input must be parsed with hard limits (size, nesting depth, no duplicate keys, strict UTF-8);
/// numbers must keep their exact literal (a `u64` sequence number does not fit a `Double`); and output must be
/// byte-for-byte deterministic (sorted keys, shortest round-trip `Double` text) so digests of outputs are
/// stable across runs and platforms.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A number from a `Double`; non-finite values become `null` (JSON has no NaN or infinity).
    public static func double(_ value: Double) -> JSONValue {
        JSONNumber(value).map(JSONValue.number) ?? .null
    }

    /// A number from a signed integer, written without a fraction.
    public static func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        .number(JSONNumber(integer: value))
    }

    /// The members when this is an object.
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements when this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The text when this is a string.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The number when this is a number.
    var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The number as a `Double` (possibly infinite for out-of-range literals such as `1e400`), or `nil`.
    var doubleValue: Double? { numberValue?.doubleValue }

    /// `true` for `.null`.
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Object member lookup; `nil` when this is not an object or the member is absent.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// Literal syntax, mainly for building extension members and diagnostics:
/// `let stages: JSONValue = ["grid_ms": 1.5, "converged": true]`.
extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `.null`, so that `nil` can be written where a `JSONValue` is expected.
    public init(nilLiteral: ()) { self = .null }
    /// `.bool` from a Boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `.string` from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `.integer` from an integer literal.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// `.double` from a floating-point literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// `.array` from an array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    /// Later duplicates win, as with `Dictionary(_:uniquingKeysWith:)`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
