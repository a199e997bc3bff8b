import CZlib

/// Minimal PNG writer (8-bit RGB, one deflated IDAT) for raster panels embedded in SVG figures.
enum PNGEncoder {
    /// Encodes `rgb` (width·height·3 bytes, row-major, top row first).
    static func encode(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        precondition(rgb.count == width * height * 3, "pixel buffer size mismatch")
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0) // filter: none
            raw += rgb[(y * width * 3)..<((y + 1) * width * 3)]
        }
        var destLen = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(destLen))
        let status = compressed.withUnsafeMutableBufferPointer { d in
            raw.withUnsafeBufferPointer { s in compress2(d.baseAddress, &destLen, s.baseAddress, uLong(raw.count), 6) }
        }
        precondition(status == Z_OK, "zlib compress failed")
        compressed.removeLast(compressed.count - Int(destLen))
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        ihdr.appendBE(UInt32(width)); ihdr.appendBE(UInt32(height))
        ihdr += [8, 2, 0, 0, 0] // 8-bit, RGB, deflate, no filter method, no interlace
        chunk("IHDR", ihdr, into: &out)
        chunk("IDAT", compressed, into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out.appendBE(UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        let crc = typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        out.appendBE(UInt32(crc))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBE(_ v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)])
    }
}
