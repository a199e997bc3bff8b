/// An n-dimensional NumPy array held as little-endian, C-order (row-major) bytes.
///
/// This is the lossless form: whatever byte order or memory order the file used has been normalised, and the
/// dtype is kept. Use the typed accessors to get Swift numbers; they convert where that keeps the meaning
/// (float32 → Double, int → Double, complex128 → complex64) and throw ``NPZError`` where it does not
/// (complex → real, float → bool). For multi-gigabyte arrays prefer ``NPZArchive``'s typed readers, which convert
/// while reading instead of holding the raw bytes and the converted copy at once.
public struct NPYArray: Sendable, Equatable, CustomStringConvertible {
    /// Element type as stored (never big-endian: that is undone on read).
    public let dtype: NPYDType
    /// Dimensions; `[]` for a 0-d scalar array.
    public let shape: [Int]
    /// `count * dtype.itemSize` bytes, little-endian, C order; complex values interleaved (re, im); bools 0/1.
    public let bytes: [UInt8]
    /// Where the array came from, for error messages; not part of equality.
    let context: ErrorContext

    /// Wraps raw little-endian C-order bytes; throws if their length does not match `shape` and `dtype`.
    public init(dtype: NPYDType, shape: [Int], bytes: [UInt8]) throws {
        let context = ErrorContext(file: "<in-memory array>", location: nil)
        guard let length = NPYHeader.dataLength(shape, dtype) else {
            throw context.error(
                .invalidArgument, "shape \(NPYHeader.formatShape(shape)) is invalid (negative or overflowing)")
        }
        guard length == bytes.count else {
            throw context.error(
                .invalidArgument,
                "shape \(NPYHeader.formatShape(shape)) of \(dtype.descr) needs \(length) bytes, got \(bytes.count)")
        }
        self.init(validated: dtype, shape: shape, bytes: bytes, context: context)
    }

    init(validated dtype: NPYDType, shape: [Int], bytes: [UInt8], context: ErrorContext) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.context = context
    }

    /// Builds an array from Swift scalars laid out in C order (`scalarsPerElement` 2 for interleaved complex).
    init<T>(_ dtype: NPYDType, scalars: [T], shape: [Int]) throws {
        let context = ErrorContext(file: "<in-memory array>", location: nil)
        let needed = NPYHeader.elementCount(shape).map {
            $0.multipliedReportingOverflow(by: dtype.componentsPerElement)
        }
        guard let needed, !needed.overflow else {
            throw context.error(
                .invalidArgument, "shape \(NPYHeader.formatShape(shape)) is invalid (negative or overflowing)")
        }
        guard needed.partialValue == scalars.count else {
            throw context.error(
                .invalidArgument,
                "shape \(NPYHeader.formatShape(shape)) of \(dtype.rawValue) needs \(needed.partialValue) values, got \(scalars.count)"
            )
        }
        self.init(
            validated: dtype, shape: shape, bytes: scalars.withUnsafeBytes { littleEndianBytes($0, dtype) },
            context: context)
    }

    /// A float64 array from C-order values; throws if `doubles.count` does not match `shape`.
    public init(doubles: [Double], shape: [Int]) throws { try self.init(.float64, scalars: doubles, shape: shape) }
    /// A float32 array from C-order values; throws if `floats.count` does not match `shape`.
    public init(floats: [Float], shape: [Int]) throws { try self.init(.float32, scalars: floats, shape: shape) }
    /// `values` interleaves real and imaginary parts: `2 * product(shape)` floats.
    public init(complexFloats values: [Float], shape: [Int]) throws {
        try self.init(.complex64, scalars: values, shape: shape)
    }
    /// `values` interleaves real and imaginary parts: `2 * product(shape)` doubles.
    public init(complexDoubles values: [Double], shape: [Int]) throws {
        try self.init(.complex128, scalars: values, shape: shape)
    }
    /// A bool array from C-order values; throws if `bools.count` does not match `shape`.
    public init(bools: [Bool], shape: [Int]) throws { try self.init(.bool, scalars: bools, shape: shape) }
    /// A 0-d float64 array (shape `()`), as NumPy saves a Python float.
    public init(scalar: Double) {
        self.init(
            validated: .float64, shape: [], bytes: [scalar].withUnsafeBytes { littleEndianBytes($0, .float64) },
            context: ErrorContext(file: "<in-memory array>", location: nil))
    }

    /// Number of elements (product of the shape; 1 for a 0-d array).
    public var count: Int { bytes.count / dtype.itemSize }

    /// `NPYArray(dtype, shape (…))`, without the values.
    public var description: String { "NPYArray(\(dtype.rawValue), shape \(NPYHeader.formatShape(shape)))" }

    /// Equal when dtype, shape and raw bytes all match.
    public static func == (lhs: NPYArray, rhs: NPYArray) -> Bool {
        lhs.dtype == rhs.dtype && lhs.shape == rhs.shape && lhs.bytes == rhs.bytes
    }

    // MARK: Typed accessors

    /// Real values as `Double`, from float32, float64 or any integer type.
    public func doubles() throws -> [Double] { try decode(.real) }
    /// Real values as `Float`, from float32, float64 (rounded) or any integer type.
    public func floats() throws -> [Float] { try decode(.real) }
    /// Complex values as interleaved (re, im) `Float`s, from complex64 or complex128 (rounded).
    public func complexFloats() throws -> [Float] { try decode(.complex) }
    /// Complex values as interleaved (re, im) `Double`s, from complex64 or complex128.
    public func complexDoubles() throws -> [Double] { try decode(.complex) }
    /// Flags from bool or an integer type (non-zero is true).
    public func bools() throws -> [Bool] { try decode(.bool) }

    /// The single real value of a 0-d (or one-element) array, such as a carrier frequency.
    public func scalar() throws -> Double {
        guard count == 1 else {
            throw context.error(
                .shapeMismatch,
                "expected a scalar (shape () or one element), found shape \(NPYHeader.formatShape(shape))")
        }
        return try doubles()[0]
    }

    /// Throws unless the shape matches `expected`, where `nil` matches any length, e.g. `[nil, 3]` for (M, 3).
    public func checkShape(_ expected: [Int?]) throws {
        try NPYArray.checkShape(shape, expected, context)
    }

    static func checkShape(_ shape: [Int], _ expected: [Int?], _ context: ErrorContext) throws {
        let matches = shape.count == expected.count && zip(shape, expected).allSatisfy { $1 == nil || $0 == $1 }
        guard matches else {
            let pattern =
                expected.count == 1
                ? "(\(expected[0].map(String.init) ?? "*"),)"
                : "(" + expected.map { $0.map(String.init) ?? "*" }.joined(separator: ", ") + ")"
            throw context.error(.shapeMismatch, "expected shape \(pattern), found \(NPYHeader.formatShape(shape))")
        }
    }

    private func decode<Element>(_ decoding: Decoding<Element>) throws -> [Element] {
        guard decoding.accepts(dtype) else {
            throw context.error(.typeMismatch, "expected dtype \(decoding.expected), found \(dtype.descr)")
        }
        let component = dtype.componentType
        return bytes.withUnsafeBytes {
            decoding.decode($0, component: component, scalars: $0.count / component.itemSize)
        }
    }
}

/// Copies native scalars into little-endian bytes (a plain copy on little-endian hosts).
private func littleEndianBytes(_ raw: UnsafeRawBufferPointer, _ dtype: NPYDType) -> [UInt8] {
    var bytes = [UInt8](raw)
    if 1.littleEndian != 1 {
        bytes.withUnsafeMutableBytes { ElementConversion.swapBytes($0, componentSize: dtype.componentType.itemSize) }
    }
    return bytes
}

/// An array already converted to a Swift element type, as returned by ``NPZArchive``'s typed readers.
/// For complex readers `values` interleaves (re, im), so it holds `2 * product(shape)` numbers.
public struct NPYValues<Element: Sendable>: Sendable {
    /// Dimensions of the array (elements, not scalars: a complex element is two `values`).
    public let shape: [Int]
    /// C-order values.
    public let values: [Element]
    let context: ErrorContext

    init(shape: [Int], values: [Element], context: ErrorContext) {
        self.shape = shape
        self.values = values
        self.context = context
    }

    /// Throws unless the shape matches `expected`, where `nil` matches any length, e.g. `[nil, 3]` for (M, 3).
    /// The error names the file and key.
    public func checkShape(_ expected: [Int?]) throws {
        try NPYArray.checkShape(shape, expected, context)
    }
}

extension NPYValues: Equatable where Element: Equatable {
    /// Equal when shapes and values match.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.shape == rhs.shape && lhs.values == rhs.values }
}

/// Dtype and shape of an archive member, read from its header without loading the data.
public struct NPYArrayInfo: Sendable, Equatable {
    /// Element type (byte order aside).
    public let dtype: NPYDType
    /// Dimensions; `[]` for a 0-d array.
    public let shape: [Int]
    /// Whether the stored data is Fortran-ordered (readers convert it to C order).
    let fortranOrder: Bool
    /// Whether the stored data is big-endian (readers byte-swap it).
    let bigEndian: Bool
}
