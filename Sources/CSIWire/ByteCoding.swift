/// Little-endian helpers shared by the frame header and the capture format.
///
/// Reads are bounds-checked by the caller's logic *and* return `nil` on their own when out of range, so no
/// input can make them trap.
enum ByteCoding {
    /// Reads a little-endian integer of type `T` at `offset` (relative to `bytes.startIndex`), or `nil` when
    /// the bytes are not all there.
    static func load<T: FixedWidthInteger, Bytes: RandomAccessCollection>(
        _: T.Type, from bytes: Bytes, at offset: Int
    ) -> T? where Bytes.Element == UInt8, Bytes.Index == Int {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= bytes.count - size else { return nil }
        let base = bytes.startIndex + offset
        var value: T = 0
        for i in 0..<size {
            value |= T(truncatingIfNeeded: bytes[base + i]) << (8 * i)
        }
        return value
    }

    /// Appends `value` to `bytes` in little-endian byte order.
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        let size = MemoryLayout<T>.size
        for i in 0..<size {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i)))
        }
    }

    /// Overwrites `MemoryLayout<T>.size` bytes at `offset` with `value` in little-endian order; the range
    /// must already exist (callers write into buffers they sized themselves).
    static func store<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8], at offset: Int) {
        let size = MemoryLayout<T>.size
        for i in 0..<size {
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i))
        }
    }
}
