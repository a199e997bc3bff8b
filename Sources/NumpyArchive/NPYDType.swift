/// The NumPy element types this module reads and writes.
///
/// Arrays are always held little-endian in memory; big-endian files are byte-swapped when read, so a dtype here
/// carries no byte order. `rawValue` is NumPy's name (`complex64`), ``descr`` the little-endian type string written
/// into `.npy` headers (`<c8`).
public enum NPYDType: String, Sendable, Hashable, CaseIterable {
    case bool
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float32, float64
    case complex64, complex128

    /// Bytes per element (a complex element counts both parts).
    public var itemSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64, .complex64: return 8
        case .complex128: return 16
        }
    }

    /// The little-endian NumPy type string, as written in `.npy` headers.
    var descr: String {
        switch self {
        case .bool: return "|b1"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        default: return "<" + code
        }
    }

    /// complex64 or complex128.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }
    /// float32 or float64 (real only).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    /// Signed or unsigned integer of any width (bool is not an integer here).
    public var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return true
        default: return false
        }
    }

    /// Type code without byte order (`c8`, `f4`, `b1`).
    var code: String {
        switch self {
        case .bool: return "b1"
        case .int8: return "i1"
        case .int16: return "i2"
        case .int32: return "i4"
        case .int64: return "i8"
        case .uint8: return "u1"
        case .uint16: return "u2"
        case .uint32: return "u4"
        case .uint64: return "u8"
        case .float32: return "f4"
        case .float64: return "f8"
        case .complex64: return "c8"
        case .complex128: return "c16"
        }
    }

    /// Real type of one scalar component: the dtype itself for real types, the part type for complex ones.
    var componentType: NPYDType {
        switch self {
        case .complex64: return .float32
        case .complex128: return .float64
        default: return self
        }
    }

    /// Scalars per element: 2 for complex (real, imaginary), 1 otherwise.
    var componentsPerElement: Int { isComplex ? 2 : 1 }
}

/// A `descr` string from a `.npy` header, resolved to a supported dtype and its byte order.
struct ParsedDescr: Sendable, Equatable {
    var dtype: NPYDType
    var bigEndian: Bool

    private static let byCode: [String: NPYDType] = Dictionary(
        uniqueKeysWithValues: NPYDType.allCases.map { ($0.code, $0) })

    /// Resolves `descr` or explains, in a sentence fragment, why it is not supported.
    static func parse(_ descr: String) -> Result<ParsedDescr, DescrProblem> {
        guard let order = descr.first, "<>|=".contains(order) else {
            return .failure(.init(kind: .badNPY, message: "invalid dtype descr '\(descr)' (no byte-order character)"))
        }
        let code = String(descr.dropFirst())
        guard let dtype = byCode[code] else {
            return .failure(.init(kind: .unsupportedDType, message: unsupportedMessage(descr, code: code)))
        }
        if order == "|" && dtype.componentType.itemSize != 1 {
            return .failure(.init(kind: .badNPY, message: "invalid dtype descr '\(descr)' ('|' on a multi-byte type)"))
        }
        // '=' is "native"; NumPy writes explicit '<' or '>', so only hosts this module runs on (little-endian) matter.
        return .success(ParsedDescr(dtype: dtype, bigEndian: order == ">"))
    }

    private static func unsupportedMessage(_ descr: String, code: String) -> String {
        let what: String
        switch code.first {
        case "O": what = "object array (pickled Python objects)"
        case "U": what = "unicode string array"
        case "S", "a": what = "byte string array"
        case "V": what = "void/structured array"
        case "M", "m": what = "datetime/timedelta array"
        case "f": what = "floating-point width other than 32/64 bits"
        case "c": what = "complex width other than 64/128 bits"
        default: what = "unknown type"
        }
        return "unsupported dtype '\(descr)' (\(what)); supported: "
            + NPYDType.allCases.map(\.rawValue).joined(separator: ", ")
    }
}

struct DescrProblem: Error, Equatable {
    var kind: NPZError.Kind
    var message: String
}
