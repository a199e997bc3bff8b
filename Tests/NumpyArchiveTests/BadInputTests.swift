import Foundation
import Testing

@testable import NumpyArchive

@Suite struct BadInputTests {
    static let goodHeader = "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }"
    static let goodData: [UInt8] = [1.0, 2.0, 3.0, 4.0].withUnsafeBytes { [UInt8]($0) }

    /// A valid Swift-written archive with a few members, for cutting and flipping.
    func validArchive(_ dir: TempDir) throws -> String {
        let path = dir.path("valid.npz")
        let writer = try NPZWriter(path: path)
        try writer.write(name: "positions", doubles: (0..<300).map(Double.init), shape: [100, 3])
        try writer.write(name: "csi", complexFloats: (0..<400).map(Float.init), shape: [10, 20])
        try writer.write(name: "frequencies", doubles: [1, 2, 3, 4], shape: [4])
        try writer.finish()
        return path
    }

    @Test func randomBytesAndEmptyFileAreNotZip() throws {
        let dir = try TempDir()
        var random = SeededBytes(seed: 9)
        let junk = try dir.write(random.bytes(5000), to: "junk.npz")
        let e1 = expectNPZError(.notZip) { _ = try NPZArchive(path: junk) }
        #expect(e1?.description == "\(junk): not a zip archive (no end-of-central-directory record)")
        let empty = try dir.write([], to: "empty.npz")
        let e2 = expectNPZError(.notZip) { _ = try NPZArchive(path: empty) }
        #expect(e2?.description == "\(empty): not a zip archive (empty file)")
        let tiny = try dir.write([0x50, 0x4B], to: "tiny.npz")
        expectNPZError(.notZip) { _ = try NPZArchive(path: tiny) }
        let missing = dir.path("missing.npz")
        let e3 = expectNPZError(.io) { _ = try NPZArchive(path: missing) }
        #expect(e3?.description.hasPrefix("\(missing): cannot open for reading") == true)
    }

    @Test func truncatedArchivesAreReportedAsTruncated() throws {
        let dir = try TempDir()
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try validArchive(dir))))
        // Inside the first local header, inside entry data, inside the central directory, inside the end record.
        let directoryOffset = Int(full[full.count - 6]) | Int(full[full.count - 5]) << 8
        for cut in [10, 700, 3000, directoryOffset + 10, full.count - 5] {
            let path = try dir.write(Array(full[..<cut]), to: "cut\(cut).npz")
            let error = expectNPZError(.truncated) { _ = try NPZArchive(path: path) }
            #expect(error?.detail.hasPrefix("truncated: ") == true, "cut at \(cut): \(String(describing: error))")
        }
        // Bytes missing from the middle: the end record survives but points past the end of the file.
        let holed = Array(full[..<500] + full[600...])
        let path = try dir.write(holed, to: "holed.npz")
        let error = expectNPZError(.truncated) { _ = try NPZArchive(path: path) }
        #expect(error?.detail.hasPrefix("truncated: central directory needs") == true)
        #expect(error?.detail.hasSuffix("file has \(holed.count)") == true)
    }

    @Test func entryRunningPastTheFileNamesTheEntry() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.add("positions.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        zip.add("csi.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        zip.entries[1].payload = [] // no data where the directory says there is some...
        zip.entries[1].uncompressedSize = 1_048_576
        var built = zip.build()
        // ...and the directory records a 1 MiB entry (stored: compressed size = uncompressed size).
        let record = built.directoryOffset + 46 + "positions.npy".utf8.count
        for (i, byte) in [0x00, 0x00, 0x10, 0x00].enumerated() { built.bytes[record + 20 + i] = UInt8(byte) }
        let path = try dir.write(built.bytes, to: "x.npz")
        let archive = try NPZArchive(path: path)
        #expect(try archive.doubles("positions").values == [1, 2, 3, 4])
        let error = expectNPZError(.truncated) { _ = try archive.array("csi") }
        #expect(
            error?.description
                == "\(path): truncated: entry 'csi.npy' needs 1048576 bytes at offset \(built.dataOffsets[1]), file has \(built.bytes.count)"
        )
    }

    @Test func crcMismatchNamesTheEntryAndSparesTheOthers() throws {
        let dir = try TempDir()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try validArchive(dir))))
        bytes[30 + "positions.npy".utf8.count + 128 + 1000] ^= 0x40 // a data byte of 'positions'
        let path = try dir.write(bytes, to: "flipped.npz")
        let archive = try NPZArchive(path: path)
        let error = expectNPZError(.crcMismatch) { _ = try archive.doubles("positions") }
        #expect(error?.description.hasPrefix("\(path): entry 'positions.npy': CRC-32 mismatch") == true)
        expectNPZError(.crcMismatch) { _ = try archive.array("positions") }
        #expect(try archive.doubles("frequencies").values == [1, 2, 3, 4])
    }

    @Test func badMagicAndVersion() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.add("bad.npy", Array("NOTNUMPY and some more bytes".utf8))
        var wrongVersion = npyBytes(header: Self.goodHeader, data: Self.goodData)
        wrongVersion[6] = 9
        zip.add("future.npy", wrongVersion)
        zip.add("short.npy", [0x93, 0x4E])
        let path = try dir.write(zip.build().bytes, to: "magic.npz")
        let archive = try NPZArchive(path: path)
        let e1 = expectNPZError(.badNPY) { _ = try archive.array("bad") }
        #expect(e1?.description.hasPrefix("\(path): key 'bad': not a .npy array: expected magic") == true)
        let e2 = expectNPZError(.badNPY) { _ = try archive.array("future") }
        #expect(e2?.detail.contains("version 9.0") == true)
        expectNPZError(.badNPY) { _ = try archive.info("short") }

        let plain = try dir.write(Array("just text, not numpy".utf8), to: "plain.npy")
        expectNPZError(.badNPY) { _ = try NPYArray(contentsOfNPYFile: plain) }
    }

    @Test func unsupportedDtypesInArchive() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.add(
            "objects.npy",
            npyBytes(header: "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", data: [0x80, 0x04]))
        zip.add(
            "names.npy",
            npyBytes(
                header: "{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }",
                data: [UInt8](repeating: 0, count: 20)))
        let path = try dir.write(zip.build().bytes, to: "dtypes.npz")
        let archive = try NPZArchive(path: path)
        let e1 = expectNPZError(.unsupportedDType) { _ = try archive.array("objects") }
        #expect(e1?.description.hasPrefix("\(path): key 'objects': unsupported dtype '|O' (object array") == true)
        let e2 = expectNPZError(.unsupportedDType) { _ = try archive.complexFloats("names") }
        #expect(e2?.detail.contains("'<U5' (unicode string array)") == true)
    }

    @Test func shapeAndDataLengthMismatch() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.add(
            "short.npy",
            npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", data: Self.goodData))
        zip.add(
            "huge.npy",
            npyBytes(
                header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", data: Self.goodData))
        zip.add(
            "overflow.npy",
            npyBytes(header: "{'descr': '<c16', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: [])
        )
        let path = try dir.write(zip.build().bytes, to: "shapes.npz")
        let archive = try NPZArchive(path: path)
        let e1 = expectNPZError(.shapeMismatch) { _ = try archive.doubles("short") }
        #expect(
            e1?.description == "\(path): key 'short': data length mismatch: shape (10,) of <f8 needs 80 bytes, found 32"
        )
        expectNPZError(.shapeMismatch) { _ = try archive.array("huge") }
        let e3 = expectNPZError(.shapeMismatch) { _ = try archive.array("overflow") }
        #expect(e3?.detail.contains("too large") == true)
    }

    @Test func deflatedEntries() throws {
        let dir = try TempDir()
        let good = npyBytes(header: Self.goodHeader, data: Self.goodData)
        var zip = ZipBuilder()
        zip.addDeflated("ok.npy", good)
        zip.addDeflated(
            "bigger.npy",
            npyBytes(
                header: "{'descr': '<u1', 'fortran_order': False, 'shape': (200000,), }",
                data: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }))
        zip.addDeflated("garbage.npy", good)
        zip.entries[2].payload = [UInt8](repeating: 0xFF, count: 40) // BTYPE 11: invalid block type
        zip.addDeflated("cut.npy", good)
        zip.entries[3].payload.removeLast(20)
        zip.addDeflated("long.npy", good + [1, 2, 3, 4, 5, 6, 7, 8])
        zip.entries[4].uncompressedSize = good.count // the stream holds 8 bytes more than declared
        zip.entries[4].crc = crc32Of(good)
        let path = try dir.write(zip.build().bytes, to: "deflate.npz")
        let archive = try NPZArchive(path: path)
        #expect(try archive.doubles("ok").values == [1, 2, 3, 4])
        #expect(try archive.array("bigger").bytes == (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let e1 = expectNPZError(.corrupt) { _ = try archive.array("garbage") }
        #expect(e1?.description.hasPrefix("\(path): entry 'garbage.npy': corrupt deflate stream") == true)
        let e2 = expectNPZError(.corrupt) { _ = try archive.array("cut") }
        #expect(e2?.detail.contains("compressed data ends before the stream does") == true)
        let e3 = expectNPZError(.corrupt) { _ = try archive.array("long") }
        #expect(e3?.detail.contains("holds more than the \(good.count) bytes") == true)
    }

    @Test func dataDescriptorEntriesAreReadFromTheCentralDirectory() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.addDeflated("streamed.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        zip.entries[0].flags = 8
        zip.add("plain.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        zip.entries[1].flags = 8
        let path = try dir.write(zip.build().bytes, to: "descriptor.npz")
        let archive = try NPZArchive(path: path)
        #expect(try archive.doubles("streamed").values == [1, 2, 3, 4])
        #expect(try archive.doubles("plain").values == [1, 2, 3, 4])
    }

    @Test func zipFeaturesOutOfScope() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.add("bzip.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        zip.entries[0].method = 12
        zip.add("secret.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        zip.entries[1].flags = 1
        let path = try dir.write(zip.build().bytes, to: "features.npz")
        let archive = try NPZArchive(path: path)
        let e1 = expectNPZError(.unsupportedZip) { _ = try archive.array("bzip") }
        #expect(e1?.detail.contains("compression method 12") == true)
        expectNPZError(.unsupportedZip) { _ = try archive.array("secret") }
    }

    @Test func corruptDirectoryCounts() throws {
        let dir = try TempDir()
        var zip = ZipBuilder()
        zip.add("a.npy", npyBytes(header: Self.goodHeader, data: Self.goodData))
        var bytes = zip.build().bytes
        bytes[bytes.count - 12] = 0xFF // total entries: 0xFFFF in a 50-byte directory
        bytes[bytes.count - 11] = 0xFF
        let path = try dir.write(bytes, to: "count.npz")
        let error = expectNPZError(.corrupt) { _ = try NPZArchive(path: path) }
        #expect(error?.detail.contains("65535 entries declared") == true)
    }

    @Test func missingKeyListsWhatIsThere() throws {
        let dir = try TempDir()
        let path = dir.path("x.npz")
        let writer = try NPZWriter(path: path)
        try writer.write(name: "csi", complexFloats: [1, 0], shape: [1])
        try writer.write(name: "frequencies", doubles: [3.5e9], shape: [1])
        try writer.finish()
        let archive = try NPZArchive(path: path)
        let error = expectNPZError(.missingKey) { _ = try archive.doubles("positions") }
        #expect(error?.description == "\(path): missing key 'positions' (present: csi, frequencies)")
        let typeError = expectNPZError(.typeMismatch) { _ = try archive.complexFloats("frequencies") }
        #expect(
            typeError?.description == "\(path): key 'frequencies': expected dtype complex64 or complex128, found <f8")
        #expect("\(typeError!)" == typeError!.description)
        #expect(typeError?.localizedDescription == typeError?.description)
    }

    @Test func writerMisuseIsRejected() throws {
        let dir = try TempDir()
        let path = dir.path("misuse.npz")
        let writer = try NPZWriter(path: path)
        expectNPZError(.invalidArgument) { try [1.0].withUnsafeBytes { try writer.append($0) } }
        expectNPZError(.invalidArgument) { try writer.endArray() }
        try writer.beginArray(name: "a", dtype: .float64, shape: [2])
        expectNPZError(.invalidArgument) { try writer.beginArray(name: "b", dtype: .float64, shape: [1]) }
        let tooMuch = expectNPZError(.invalidArgument) { try [1.0, 2, 3].withUnsafeBytes { try writer.append($0) } }
        #expect(tooMuch?.description.contains("key 'a'") == true)
        try [1.0].withUnsafeBytes { try writer.append($0) }
        let short = expectNPZError(.invalidArgument) { try writer.endArray() }
        #expect(short?.detail == "appended 8 bytes, but the declared shape and dtype need 16")
        expectNPZError(.invalidArgument) { try writer.finish() }
        try [2.0].withUnsafeBytes { try writer.append($0) }
        try writer.endArray()
        expectNPZError(.invalidArgument) { try writer.write(name: "a", scalar: 1) }
        expectNPZError(.invalidArgument) { try writer.write(name: "", scalar: 1) }
        expectNPZError(.invalidArgument) { try writer.write(name: "c", doubles: [1, 2], shape: [3]) }
        expectNPZError(.invalidArgument) { try writer.beginArray(name: "d", dtype: .int8, shape: [1 << 62, 4]) }
        try writer.finish()
        expectNPZError(.invalidArgument) { try writer.write(name: "e", scalar: 1) }
        #expect(try NPZArchive(path: path).keys == ["a"])
    }
}
