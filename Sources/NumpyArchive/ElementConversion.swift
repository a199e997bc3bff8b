/// Byte-order, memory-order and element-type conversions on raw little-endian element buffers.
enum ElementConversion {
    /// Byte-swaps every scalar component in place (each half of a complex value separately).
    static func swapBytes(_ buffer: UnsafeMutableRawBufferPointer, componentSize: Int) {
        guard let base = buffer.baseAddress else { return }
        let n = buffer.count / componentSize
        switch componentSize {
        case 2: swap(base, n, UInt16.self)
        case 4: swap(base, n, UInt32.self)
        case 8: swap(base, n, UInt64.self)
        default: break // one-byte components have no byte order
        }
    }

    private static func swap<T: FixedWidthInteger>(_ base: UnsafeMutableRawPointer, _ n: Int, _: T.Type) {
        let size = MemoryLayout<T>.size
        for i in 0..<n {
            let value = base.loadUnaligned(fromByteOffset: i * size, as: T.self)
            base.storeBytes(of: value.byteSwapped, toByteOffset: i * size, as: T.self)
        }
    }

    /// Copies a Fortran-order (first index fastest) array into C order (last index fastest).
    static func fortranToC(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        shape: [Int], itemSize: Int
    ) {
        guard shape.count > 1, let count = NPYHeader.elementCount(shape), count > 0 else {
            destination.copyMemory(from: source) // 0-D and 1-D arrays are the same in both orders
            return
        }
        var fortranStrides = [Int](repeating: itemSize, count: shape.count)
        for axis in 1..<shape.count { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
        let src = source.baseAddress!
        let dst = destination.baseAddress!
        let lastAxis = shape.count - 1
        let rowLength = shape[lastAxis]
        let rowStride = fortranStrides[lastAxis]
        var index = [Int](repeating: 0, count: lastAxis) // all axes but the last
        var sourceOffset = 0
        var out = 0
        for _ in 0..<(count / rowLength) {
            var from = sourceOffset
            for _ in 0..<rowLength {
                (dst + out).copyMemory(from: src + from, byteCount: itemSize)
                out += itemSize
                from += rowStride
            }
            // Odometer step over the leading axes, keeping the Fortran offset in sync.
            var axis = lastAxis - 1
            while axis >= 0 {
                index[axis] += 1
                sourceOffset += fortranStrides[axis]
                if index[axis] < shape[axis] { break }
                sourceOffset -= fortranStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    // MARK: Little-endian scalars to Swift values

    @inline(__always)
    private static func load<T: FixedWidthInteger>(_ src: UnsafeRawPointer, _ i: Int, _: T.Type) -> T {
        T(littleEndian: src.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self))
    }

    /// Converts `n` little-endian real scalars of `type` (never complex or bool) to `Double` or `Float`, each
    /// rounded once to the nearest value.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func toFloatingPoint<T: NPYNativeFloat>(
        _ src: UnsafeRawPointer, _ type: NPYDType, _ n: Int, _ dst: UnsafeMutablePointer<T>
    ) {
        switch type {
        case .float64: for i in 0..<n { dst[i] = T(Double(bitPattern: load(src, i, UInt64.self))) }
        case .float32: for i in 0..<n { dst[i] = T(Float(bitPattern: load(src, i, UInt32.self))) }
        case .int8: for i in 0..<n { dst[i] = T(load(src, i, Int8.self)) }
        case .int16: for i in 0..<n { dst[i] = T(load(src, i, Int16.self)) }
        case .int32: for i in 0..<n { dst[i] = T(load(src, i, Int32.self)) }
        case .int64: for i in 0..<n { dst[i] = T(load(src, i, Int64.self)) }
        case .uint8: for i in 0..<n { dst[i] = T(load(src, i, UInt8.self)) }
        case .uint16: for i in 0..<n { dst[i] = T(load(src, i, UInt16.self)) }
        case .uint32: for i in 0..<n { dst[i] = T(load(src, i, UInt32.self)) }
        case .uint64: for i in 0..<n { dst[i] = T(load(src, i, UInt64.self)) }
        case .bool, .complex64, .complex128: preconditionFailure("\(T.self) from \(type)")
        }
    }

    /// Converts `n` bool or integer scalars to `Bool` (non-zero is true).
    static func toBool(_ src: UnsafeRawPointer, _ type: NPYDType, _ n: Int, _ dst: UnsafeMutablePointer<Bool>) {
        switch type.itemSize {
        case 1: for i in 0..<n { dst[i] = load(src, i, UInt8.self) != 0 }
        case 2: for i in 0..<n { dst[i] = load(src, i, UInt16.self) != 0 }
        case 4: for i in 0..<n { dst[i] = load(src, i, UInt32.self) != 0 }
        default: for i in 0..<n { dst[i] = load(src, i, UInt64.self) != 0 }
        }
    }
}

/// How to turn array elements into a Swift element type: which dtypes are accepted and the per-scalar conversion.
/// Complex targets produce interleaved (re, im) scalars, so they convert the component type.
struct Decoding<Element> {
    /// For error messages: "complex64 or complex128".
    let expected: String
    let accepts: @Sendable (NPYDType) -> Bool
    /// True when the little-endian source component bytes already are `Element`s (plain copy).
    let isIdentity: @Sendable (NPYDType) -> Bool
    let convert: @Sendable (UnsafeRawPointer, NPYDType, Int, UnsafeMutablePointer<Element>) -> Void

    private static var littleEndianHost: Bool { 1.littleEndian == 1 }

    /// Decodes `scalars` little-endian C-order component scalars of `component` type.
    func decode(_ bytes: UnsafeRawBufferPointer, component: NPYDType, scalars: Int) -> [Element] {
        [Element](unsafeUninitializedCapacity: scalars) { buffer, initialized in
            if scalars > 0 {
                if isIdentity(component) && Self.littleEndianHost {
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                } else {
                    convert(bytes.baseAddress!, component, scalars, buffer.baseAddress!)
                }
            }
            initialized = scalars
        }
    }
}

/// A floating-point element type that NumPy stores as is: `Double` (float64) and `Float` (float32).
protocol NPYNativeFloat: BinaryFloatingPoint, SendableMetatype {
    /// The dtype whose little-endian scalars are this type's values.
    static var npyType: NPYDType { get }
}

extension Double: NPYNativeFloat {
    static var npyType: NPYDType { .float64 }
}

extension Float: NPYNativeFloat {
    static var npyType: NPYDType { .float32 }
}

extension Decoding where Element: NPYNativeFloat {
    static var real: Self {
        Self(
            expected: "float32, float64 or an integer type",
            accepts: { $0.isFloatingPoint || $0.isInteger }, isIdentity: { $0 == Element.npyType },
            convert: ElementConversion.toFloatingPoint)
    }
    static var complex: Self {
        Self(
            expected: "complex64 or complex128", accepts: { $0.isComplex }, isIdentity: { $0 == Element.npyType },
            convert: ElementConversion.toFloatingPoint)
    }
}

extension Decoding where Element == Bool {
    static var bool: Self {
        Self(
            expected: "bool or an integer type", accepts: { $0 == .bool || $0.isInteger }, isIdentity: { _ in false },
            convert: ElementConversion.toBool)
    }
}
