/// CRC-32C (Castagnoli): reflected polynomial `0x82F63B78`, initial value and final XOR `0xFFFFFFFF`.
///
/// Used for the `crc32c` field of the protocol v1 header (over the payload part) and for every CRC in
/// capture files. The check value of the ASCII string `"123456789"` is `0xE3069283`.
///
/// The implementation is table-driven software *slicing-by-8* (8 KiB of tables built once per process),
/// so a 32 KiB payload costs a few microseconds in release builds without relying on SSE4.2.
///
/// One-shot use:
/// ```swift
/// let crc = CRC32C.checksum(payload)
/// ```
/// Incremental use (the result equals the one-shot CRC of the concatenation):
/// ```swift
/// var crc = CRC32C()
/// crc.update(partA)
/// crc.update(partB)
/// let value = crc.value
/// ```
struct CRC32C: Sendable, Hashable {
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// Internal register, pre-inverted (init `0xFFFFFFFF`).
    private var state: UInt32 = 0xFFFF_FFFF

    /// Starts a new, empty checksum.
    init() {}

    /// Continues a checksum whose ``value`` so far was `value` (the CRC of the bytes fed before).
    static func resuming(_ value: UInt32) -> CRC32C {
        var crc = CRC32C()
        crc.state = value ^ 0xFFFF_FFFF
        return crc
    }

    /// The CRC of all bytes passed to `update(_:)` so far (final XOR applied).
    var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// Feeds raw memory into the checksum.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        state = CRC32C.advance(state, buffer)
    }

    /// Feeds a byte sequence into the checksum; contiguous collections (`[UInt8]`, `ArraySlice<UInt8>`)
    /// take the fast path, anything else is processed byte by byte.
    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            state = CRC32C.advance(state, UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            var crc = state
            CRC32C.tables.withUnsafeBufferPointer { table in
                for byte in bytes {
                    crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
                }
            }
            state = crc
        }
    }

    /// The CRC-32C of `bytes` in one call.
    static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// The CRC-32C of raw memory in one call.
    static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(buffer)
        return crc.value
    }

    // MARK: - Combination (GF(2) arithmetic, as zlib's crc32_combine)

    /// `crc` advanced over `byteCount` more bytes in the sense of CRC combination: for any `A` and `B`,
    /// `checksum(A + B) == shift(checksum(A), byteCount: B.count) ^ checksum(B)`. O(log byteCount).
    static func shift(_ crc: UInt32, byteCount: Int) -> UInt32 {
        multiplyModP(xPower8n(byteCount), crc)
    }

    /// a·b modulo the polynomial, both reflected (bit 31 is x⁰).
    static func multiplyModP(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var a = a, b = b, product: UInt32 = 0
        while a != 0 {
            if a & 0x8000_0000 != 0 { product ^= b }
            a <<= 1
            b = b & 1 != 0 ? (b >> 1) ^ polynomial : b >> 1
        }
        return product
    }

    /// x^(2^k) mod P for k = 0..<67 (enough for any `Int` byte count: k goes up to 3 + 63).
    private static let powersOfTwo: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 67)
        var p: UInt32 = 1 << 30 // x¹
        for k in 0..<67 {
            table[k] = p
            p = multiplyModP(p, p)
        }
        return table
    }()

    /// x^(8n) mod P.
    private static func xPower8n(_ n: Int) -> UInt32 {
        var p: UInt32 = 1 << 31 // x⁰
        var n = UInt(n), k = 3
        while n != 0 {
            if n & 1 != 0 { p = multiplyModP(powersOfTwo[k], p) }
            n >>= 1
            k += 1
        }
        return p
    }

    // MARK: - Slicing-by-8 core

    /// Eight 256-entry tables stored back to back: `tables[k * 256 + i]`.
    /// Table 0 is the classic byte-wise table; table k advances table k-1 by one more zero byte.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 {
                c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1
            }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    private static func advance(_ initial: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var crc = initial
        let count = buffer.count
        guard count > 0 else { return crc }
        tables.withUnsafeBufferPointer { t in
            var i = 0
            while i + 8 <= count {
                let lo = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                let hi = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                crc =
                    t[7 * 256 + Int(lo & 0xFF)]
                    ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)]
                    ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)]
                    ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < count {
                crc = t[Int((crc ^ UInt32(buffer[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc
    }
}
