import CZlib
import Foundation
import Testing

@testable import NumpyArchive

/// Crafted sizes and offsets (issue 13, classes 5 and 8): numbers read from the file never reach arithmetic that
/// traps, and a small deflated member that would expand to hundreds of megabytes is rejected from its `.npy`
/// header before anything is inflated.
@Suite struct HostileSizeTests {
    /// Offset of the last occurrence of `signature` in `bytes`.
    func lastOffset(of signature: [UInt8], in bytes: [UInt8]) -> Int? {
        (0...(bytes.count - signature.count)).reversed().first { Array(bytes[$0..<$0 + signature.count]) == signature }
    }

    func putU64(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    func forcedZip64(_ dir: TempDir) throws -> [UInt8] {
        let path = dir.path("forced.npz")
        let writer = try NPZWriter(path: path, options: .init(forceZip64: true))
        try writer.write(name: "x", doubles: [1, 2, 3], shape: [3])
        try writer.finish()
        return try dir.read("forced.npz")
    }

    @Test("a ZIP64 locator pointing near Int64.max neither traps nor hides the record before it")
    func zip64LocatorOffsetNearIntMax() throws {
        let dir = try TempDir()
        let original = try forcedZip64(dir)
        let locator = try #require(lastOffset(of: [0x50, 0x4B, 0x06, 0x07], in: original))
        for declared: UInt64 in [UInt64(Int64.max), UInt64(Int64.max) - 10, UInt64(Int64.max) - 55, UInt64.max] {
            var bytes = original
            putU64(declared, at: locator + 8, in: &bytes)
            let path = try dir.write(bytes, to: "locator.npz")
            // The writer put the record right before the locator: the reader falls back to it.
            #expect(try NPZArchive(path: path).doubles("x").values == [1, 2, 3], "declared \(declared)")
        }
    }

    @Test("ZIP64 end-record sizes and offsets near Int64.max are errors naming the field, not traps")
    func zip64RecordFieldsNearIntMax() throws {
        let dir = try TempDir()
        let original = try forcedZip64(dir)
        let record = try #require(lastOffset(of: [0x50, 0x4B, 0x06, 0x06], in: original))
        // entry count (32), directory size (40), directory offset (48)
        for field in [32, 40, 48] {
            for value: UInt64 in [UInt64(Int64.max), UInt64(Int64.max) - 20, UInt64.max] {
                var bytes = original
                putU64(value, at: record + field, in: &bytes)
                let path = try dir.write(bytes, to: "record.npz")
                do {
                    _ = try NPZArchive(path: path)
                    Issue.record("field \(field) = \(value) was accepted")
                } catch let error as NPZError {
                    #expect([.corrupt, .truncated].contains(error.kind), "\(error)")
                }
            }
        }
    }

    @Test("a deflated member that expands to 600 MB is rejected from its header, before inflating")
    func deflateBombRejectedFromHeader() throws {
        let dir = try TempDir()
        let elements = 75_000_000 // × 8 bytes = 600 MB of float64 zeros, ~0.6 MB deflated
        let path = try DeflateBomb.write(
            dir, key: "carrier", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (\(elements),), }",
            zeroBytes: elements * 8)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max) < 1_000_000)
        let archive = try NPZArchive(path: path)
        let clock = ContinuousClock()
        let started = clock.now
        // The stored CRC is deliberately wrong: reading the data before the shape check would end in a CRC
        // mismatch after inflating 600 MB; checking the header first gives the shape error at once.
        let scalarError = expectNPZError(.shapeMismatch) { _ = try archive.scalar("carrier") }
        #expect(scalarError?.detail == "expected a scalar (shape () or one element), found shape (75000000,)")
        expectNPZError(.shapeMismatch) { _ = try archive.doubles("carrier", shape: [1]) }
        expectNPZError(.typeMismatch) { _ = try archive.complexFloats("carrier", shape: [nil]) } // dtype first
        expectNPZError(.shapeMismatch) { _ = try archive.array("carrier", shape: [nil, 3]) }
        expectNPZError(.shapeMismatch) { _ = try archive.shape("carrier", expecting: []) }
        #expect(try archive.shape("carrier", expecting: [nil]) == [elements])
        #expect(clock.now - started < .seconds(1), "took \(clock.now - started)")

        // The same construction, small: the stream really inflates to its declared size (only the CRC is wrong),
        // so above it was the header check, not a broken stream, that stopped the read.
        let small = try DeflateBomb.write(
            dir, key: "small", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1048577,), }",
            zeroBytes: 8 * 1_048_577)
        expectNPZError(.crcMismatch) { _ = try NPZArchive(path: small).doubles("small") }
    }

    @Test("the header check still lets a matching member through")
    func matchingShapeIsRead() throws {
        let dir = try TempDir()
        let path = dir.path("ok.npz")
        let writer = try NPZWriter(path: path)
        try writer.write(name: "positions", doubles: (0..<12).map(Double.init), shape: [4, 3])
        try writer.write(name: "carrier", doubles: [3.5e9], shape: [])
        try writer.finish()
        let archive = try NPZArchive(path: path)
        #expect(try archive.doubles("positions", shape: [nil, 3]).values == (0..<12).map(Double.init))
        #expect(try archive.array("positions", shape: [4, 3]).shape == [4, 3])
        #expect(try archive.scalar("carrier") == 3.5e9)
        expectNPZError(.shapeMismatch) { _ = try archive.scalar("positions") }
    }
}

/// A zip holding one deflated `.npy` member: `header`, then `zeroBytes` zeros, as a raw deflate stream built from
/// one 1 MiB full-flush chunk repeated (plus a shorter last one) (each chunk is independent after a full flush), so a member of hundreds
/// of megabytes costs a few hundred kilobytes and milliseconds to build. The CRC is left at 0 (wrong).
enum DeflateBomb {
    static func write(_ dir: TempDir, key: String, header: String, zeroBytes: Int) throws -> String {
        let npyHeader = npyBytes(header: header, data: [])
        var stream: [UInt8] =
            [
                0x00, UInt8(npyHeader.count & 0xFF), UInt8(npyHeader.count >> 8),
                UInt8(~npyHeader.count & 0xFF), UInt8((~npyHeader.count >> 8) & 0xFF),
            ] + npyHeader
        let chunk = 1 << 20
        let compressed = zeroChunk(chunk)
        stream.reserveCapacity(stream.count + compressed.count * (zeroBytes / chunk + 1) + 2)
        for _ in 0..<(zeroBytes / chunk) { stream += compressed }
        if zeroBytes % chunk > 0 { stream += zeroChunk(zeroBytes % chunk) }
        stream += [0x03, 0x00] // final empty fixed-Huffman block
        var zip = ZipBuilder()
        zip.entries.append(
            .init(
                name: key + ".npy", method: 8, payload: stream, crc: 0,
                uncompressedSize: npyHeader.count + zeroBytes))
        return try dir.write(zip.build().bytes, to: "bomb-\(key).npz")
    }

    /// `count` zeros deflated and ended by a full flush (byte-aligned, no back-references across it).
    static func zeroChunk(_ count: Int) -> [UInt8] {
        var stream = z_stream()
        precondition(
            deflateInit2_(
                &stream, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, zlibVersion(),
                Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var input = [UInt8](repeating: 0, count: count)
        var output = [UInt8](repeating: 0, count: count / 100 + 1024)
        let produced = input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                precondition(deflate(&stream, Z_FULL_FLUSH) == Z_OK && stream.avail_in == 0)
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }
}
