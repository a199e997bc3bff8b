import Foundation
import Testing

@testable import NumpyArchive

/// String scalars (`<U n`, `|S n` of shape `()` or `(1,)`): the narrow path by which an archive names a setting.
@Suite struct StringScalarTests {
    /// UTF-32 code units as bytes in either byte order.
    static func utf32(_ units: [UInt32], bigEndian: Bool = false) -> [UInt8] {
        units.flatMap { u -> [UInt8] in
            let le = (0..<4).map { UInt8(truncatingIfNeeded: u >> (8 * $0)) }
            return bigEndian ? le.reversed() : le
        }
    }

    static func utf32(_ text: String, width: Int, bigEndian: Bool = false) -> [UInt8] {
        let units = text.unicodeScalars.map(\.value)
        return utf32(units + [UInt32](repeating: 0, count: width - units.count), bigEndian: bigEndian)
    }

    static func header(_ descr: String, _ shape: String) -> String {
        "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
    }

    /// An archive of hand-built members: name → (descr, shape text, data).
    static func archive(_ dir: TempDir, _ members: [(String, String, String, [UInt8])]) throws -> NPZArchive {
        var zip = ZipBuilder()
        for (name, descr, shape, data) in members {
            zip.add(name + ".npy", npyBytes(header: header(descr, shape), data: data))
        }
        return try NPZArchive(path: try dir.write(zip.build().bytes, to: "strings.npz"))
    }

    @Test func writerRoundTrip() throws {
        let dir = try TempDir()
        let path = dir.path("w.npz")
        let long = String(repeating: "é", count: NPYStringScalar.maxWidth)
        let writer = try NPZWriter(path: path)
        try writer.write(name: "carrier", scalar: 3.5e9)
        try writer.write(name: "nuisance", string: "phase-gain")
        try writer.write(name: "empty", string: "")
        try writer.write(name: "wide", string: "ünïcødé 😀 \u{10FFFF}")
        try writer.write(name: "long", string: long)
        #expect(throws: NPZError.self) { try writer.write(name: "toolong", string: long + "x") }
        #expect(throws: NPZError.self) { try writer.write(name: "nul", string: "a\u{0}") }
        try writer.finish()
        let archive = try NPZArchive(path: path)
        #expect(try archive.string("nuisance") == "phase-gain")
        #expect(try archive.string("empty") == "")
        #expect(try archive.string("wide") == "ünïcødé 😀 \u{10FFFF}")
        #expect(try archive.string("long") == long)
        #expect(try archive.scalar("carrier") == 3.5e9)
        #expect(!archive.contains("toolong") && !archive.contains("nul"))
        // The header is NumPy's for a 0-d str: '<U10', shape ().
        #expect(try archive.info("carrier").shape == [])
        let bytes = try dir.read("w.npz")
        #expect(
            String(decoding: bytes, as: UTF8.self).contains("{'descr': '<U10', 'fortran_order': False, 'shape': (), }"))
    }

    @Test func handBuiltMembersDecode() throws {
        let dir = try TempDir()
        let archive = try Self.archive(
            dir,
            [
                ("u10", "<U10", "()", Self.utf32("phase", width: 10)),
                ("s5", "|S5", "(1,)", Array("abc".utf8) + [0, 0]),
                ("be", ">U3", "()", Self.utf32("xyz", width: 3, bigEndian: true)),
                ("native", "=U2", "(1,)", Self.utf32("ok", width: 2)),
                ("inner", "<U4", "()", Self.utf32([0x61, 0, 0x62, 0])), // only trailing NULs are padding
                ("spaces", "|S4", "()", Array(" a ".utf8) + [0]), // whitespace is text, kept
            ])
        #expect(try archive.string("u10") == "phase")
        #expect(try archive.string("s5") == "abc")
        #expect(try archive.string("be") == "xyz")
        #expect(try archive.string("native") == "ok")
        #expect(try archive.string("inner") == "a\u{0}b")
        #expect(try archive.string("spaces") == " a ")
    }

    @Test func hostileMembersAreRejected() throws {
        let dir = try TempDir()
        let archive = try Self.archive(
            dir,
            [
                ("pair", "<U3", "(2,)", Self.utf32("ab", width: 3) + Self.utf32("cd", width: 3)),
                ("wide", "<U5000", "()", [UInt8](repeating: 0x41, count: 20_000)),
                ("huge", "<U99999999999999999999999", "()", []),
                ("zero", "<U0", "()", []),
                ("short", "<U10", "()", Self.utf32("ab", width: 3)),
                ("surrogate", "<U3", "()", Self.utf32([0x61, 0xD800, 0])),
                ("beyond", ">U2", "()", Self.utf32([0x110000, 0x61], bigEndian: true)),
                ("utf8", "|S4", "()", [0x61, 0xC3, 0x28, 0]),
                ("pipe", "|U2", "()", Self.utf32("ab", width: 2)),
                ("nowidth", "<U", "()", []),
                ("numeric", "<f8", "()", [0, 0, 0, 0, 0, 0, 0, 0]),
            ])
        let p = archive.path
        let pair = expectNPZError(.shapeMismatch) { _ = try archive.string("pair") }
        #expect(
            pair?.description
                == "\(p): key 'pair': expected a single string (shape () or (1,)), found shape (2,) of <U3")
        let wide = expectNPZError(.unsupportedDType) { _ = try archive.string("wide") }
        #expect(wide?.detail == "unsupported string dtype '<U5000': widths 1 to 1024 are accepted")
        expectNPZError(.unsupportedDType) { _ = try archive.string("huge") }
        expectNPZError(.unsupportedDType) { _ = try archive.string("zero") }
        let short = expectNPZError(.shapeMismatch) { _ = try archive.string("short") }
        #expect(short?.detail == "data length mismatch: shape () of <U10 needs 40 bytes, found 12")
        let surrogate = expectNPZError(.typeMismatch) { _ = try archive.string("surrogate") }
        #expect(surrogate?.detail.contains("code point 0xD800 at character 1") == true)
        let beyond = expectNPZError(.typeMismatch) { _ = try archive.string("beyond") }
        #expect(beyond?.detail.contains("0x110000 at character 0") == true)
        let utf8 = expectNPZError(.typeMismatch) { _ = try archive.string("utf8") }
        #expect(utf8?.description == "\(p): key 'utf8': string of |S4 is not valid UTF-8 (at byte 1)")
        let pipe = expectNPZError(.badNPY) { _ = try archive.string("pipe") }
        #expect(pipe?.detail.contains("'|' on a multi-byte type") == true)
        expectNPZError(.badNPY) { _ = try archive.string("nowidth") }
        let numeric = expectNPZError(.typeMismatch) { _ = try archive.string("numeric") }
        #expect(
            numeric?.description
                == "\(p): key 'numeric': expected a string (dtype <U n or |S n, shape () or (1,)), found <f8")
        // Numeric readers still refuse strings, as before.
        let asNumber = expectNPZError(.unsupportedDType) { _ = try archive.scalar("surrogate") }
        #expect(asNumber?.detail.hasPrefix("unsupported dtype '<U3' (unicode string array); supported: bool") == true)
    }

    @Test func missingStringKeyListsWhatIsThere() throws {
        let dir = try TempDir()
        let archive = try Self.archive(dir, [("a", "<U1", "()", Self.utf32("x", width: 1))])
        let missing = expectNPZError(.missingKey) { _ = try archive.string("nuisance") }
        #expect(missing?.detail == "missing key 'nuisance' (present: a)")
    }

    /// Random byte flips and truncations of a Swift-written archive holding a string member: every read either
    /// succeeds or throws an `NPZError` (no crash, no other error), and a string read never exceeds the width cap.
    @Test func archiveWithAStringSurvivesMutations() throws {
        let dir = try TempDir()
        let path = dir.path("m.npz")
        let writer = try NPZWriter(path: path)
        try writer.write(name: "nuisance", string: "phase-gain-timing")
        try writer.write(name: "carrier", scalar: 3.5e9)
        try writer.write(name: "tag", string: "é😀")
        try writer.finish()
        let original = try dir.read("m.npz")
        var random = SeededBytes(seed: 42)
        var stringsRead = 0, rejected = 0
        for trial in 0..<600 {
            var bytes = original
            if trial % 5 == 4 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            } else {
                for _ in 0...(random.next() % 4) {
                    bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            }
            let mutated = try dir.write(bytes, to: "mutated.npz")
            do {
                let archive = try NPZArchive(path: mutated)
                for key in archive.keys {
                    do {
                        let text = try archive.string(key)
                        #expect(text.unicodeScalars.count <= NPYStringScalar.maxWidth)
                        stringsRead += 1
                    } catch is NPZError { rejected += 1 }
                    do { _ = try archive.doubles(key) } catch is NPZError { rejected += 1 }
                }
            } catch is NPZError {
                rejected += 1
            }
        }
        // Both outcomes occur: most flips land in data or headers and are caught (CRC), a few are harmless.
        #expect(rejected > 500 && stringsRead > 0, "\(rejected) rejected, \(stringsRead) strings read")
    }
}
