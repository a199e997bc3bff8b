import CZlib
import Foundation
import NumpyArchive
import Testing

@testable import CSIChannel

/// Issue 13, class 8: a small deflated dataset whose `positions` would expand to 600 MB, next to members whose
/// shapes do not fit it, is rejected from the `.npy` headers alone — nothing is inflated first.
@Suite struct DatasetBombTests {
    @Test("a dataset whose members disagree is rejected from the headers before a 600 MB member is inflated")
    func inconsistentShapesRejectedBeforeInflating() throws {
        let dir = try temporaryDirectory()
        let rows = 25_000_000 // (rows, 3) float64 = 600 MB
        var zip = MiniZip()
        zip.deflatedZeros(
            "positions.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), 3), }",
            zeroBytes: rows * 24)
        zip.stored(
            "antennas.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
            data: [Double](repeating: 0, count: 6))
        zip.stored(
            "frequencies.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
            data: [3.5e9, 3.6e9])
        zip.stored("carrier.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data: [3.5e9])
        zip.stored(
            "csi.npy", header: "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 2, 2), }",
            data: [Double](repeating: 0, count: 4))
        let path = dir.appendingPathComponent("bomb.npz").path
        try Data(zip.build()).write(to: URL(fileURLWithPath: path))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max) < 1_000_000)

        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try CSIDataset.load(contentsOf: path)
            Issue.record("loaded")
        } catch let error as NPZError {
            // Inflating positions first would end in a CRC mismatch (the stored CRC is 0) after 600 MB.
            #expect(error.kind == .shapeMismatch, "\(error)")
            #expect(error.description == "\(path): key 'csi': expected shape (25000000, 2, 2), found (1, 2, 2)")
        }
        #expect(clock.now - started < .seconds(1), "took \(clock.now - started)")
    }

    @Test("a consistent dataset larger than the machine's memory is refused before allocating")
    func datasetLargerThanMemoryIsRefused() throws {
        #expect(throws: NPZError.self) { try CSIDataset.checkFitsInMemory("x.npz", m: Int.max / 2, na: 4, ns: 4) }
        #expect(throws: NPZError.self) {
            try CSIDataset.checkFitsInMemory("x.npz", m: 1 << 40, na: 1, ns: 1)
        }
        try CSIDataset.checkFitsInMemory("x.npz", m: 1000, na: 16, ns: 64)
    }
}

/// A minimal zip writer for hostile test archives: stored members with correct CRCs, and deflated runs of
/// zeros (a 1 MiB full-flush chunk repeated) whose CRC is left at 0.
struct MiniZip {
    private var entries: [(name: String, method: Int, payload: [UInt8], crc: UInt32, size: Int)] = []

    static func npy(_ header: String) -> [UInt8] {
        var text = Array(header.utf8)
        text += [UInt8](repeating: 0x20, count: (64 - (10 + text.count + 1) % 64) % 64)
        text.append(0x0A)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text
    }

    mutating func stored(_ name: String, header: String, data: [Double]) {
        let bytes = Self.npy(header) + data.withUnsafeBytes { [UInt8]($0) }
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        entries.append((name, 0, bytes, crc, bytes.count))
    }

    mutating func deflatedZeros(_ name: String, header: String, zeroBytes: Int) {
        let head = Self.npy(header)
        var stream: [UInt8] =
            [
                0x00, UInt8(head.count & 0xFF), UInt8(head.count >> 8),
                UInt8(~head.count & 0xFF), UInt8((~head.count >> 8) & 0xFF),
            ] + head
        let chunk = 1 << 20
        let compressed = Self.zeroChunk(chunk)
        for _ in 0..<(zeroBytes / chunk) { stream += compressed }
        if zeroBytes % chunk > 0 { stream += Self.zeroChunk(zeroBytes % chunk) }
        stream += [0x03, 0x00]
        entries.append((name, 8, stream, 0, head.count + zeroBytes))
    }

    static func zeroChunk(_ count: Int) -> [UInt8] {
        var z = z_stream()
        precondition(
            deflateInit2_(
                &z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
                == Z_OK)
        defer { deflateEnd(&z) }
        var input = [UInt8](repeating: 0, count: count)
        var output = [UInt8](repeating: 0, count: count / 100 + 1024)
        let n = input.withUnsafeMutableBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                z.next_in = i.baseAddress; z.avail_in = uInt(count)
                z.next_out = o.baseAddress; z.avail_out = uInt(o.count)
                precondition(deflate(&z, Z_FULL_FLUSH) == Z_OK && z.avail_in == 0)
                return o.count - Int(z.avail_out)
            }
        }
        return Array(output[..<n])
    }

    func build() -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16((v >> 16) & 0xFFFF) }
        var locals: [Int] = []
        for e in entries {
            locals.append(out.count)
            u32(0x0403_4B50); u16(20); u16(0); u16(e.method); u16(0); u16(0x21)
            u32(Int(e.crc)); u32(e.payload.count); u32(e.size); u16(e.name.utf8.count); u16(0)
            out += Array(e.name.utf8) + e.payload
        }
        let directory = out.count
        for (e, local) in zip(entries, locals) {
            u32(0x0201_4B50); u16(20); u16(20); u16(0); u16(e.method); u16(0); u16(0x21)
            u32(Int(e.crc)); u32(e.payload.count); u32(e.size)
            u16(e.name.utf8.count); u16(0); u16(0); u16(0); u16(0); u32(0); u32(local)
            out += Array(e.name.utf8)
        }
        let size = out.count - directory
        u32(0x0605_4B50); u16(0); u16(0); u16(entries.count); u16(entries.count); u32(size); u32(directory); u16(0)
        return out
    }
}
