import CSIChannel
import Foundation
import Testing

@testable import CSIModel

@Suite struct ModelFileTests {
    static func sampleFile() -> ModelFile {
        let m = sampleModel(.spherical)
        let header = ModelHeader(
            kind: "physics", toolVersion: "test", created: "2026-01-01T00:00:00Z", frame: "f",
            antennas: m.antennaPositions.map { [$0.x, $0.y, $0.z] }, frequencies: m.frequencies,
            carrier: m.carrier, scale: m.scale,
            training: .init(
                points: 10, boundsMin: [0, 0, 1], boundsMax: [1, 1, 1], height: 1, digest: "x",
                densityPerLambda2: 1, seed: 1, seconds: 1),
            validation: .init(points: 1, nmseDB: -40, nmseSumDB: -41), decisions: ["d"],
            physics: m.physicsInfo, neural: nil)
        return ModelFile(header: header, tensors: m.tensors)
    }

    @Test func saveLoadRoundTripIsBitIdentical() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csiloc-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("m.csimodel").path
        let file = Self.sampleFile()
        try file.write(to: path)
        let loaded = try ModelLoader.load(contentsOf: path)
        let original = sampleModel(.spherical)
        let xs = [Point3(0.1, 0.2, 1), Point3(-0.3, 0.4, 1)]
        #expect(loaded.model.channels(at: xs) == original.channels(at: xs))
        #expect(loaded.header == file.header)
        #expect(loaded.digest == (try file.digest()))
        #expect(try ModelFile.read(contentsOf: path).encoded() == (try file.encoded()))
        #expect(loaded.searchRegion == Region(x: 0...1, y: 0...1, z: 1...1))
    }

    @Test func corruptTruncatedAndForeignFilesAreRejectedClearly() throws {
        let bytes = try Self.sampleFile().encoded()
        func message(_ b: [UInt8]) -> String {
            do { _ = try ModelFile.decode(b, file: "m.csimodel"); return "accepted" } catch { return "\(error)" }
        }
        var flipped = bytes; flipped[bytes.count / 2] ^= 0x10
        #expect(message(flipped) == "m.csimodel: checksum mismatch: the file is corrupt or truncated")
        #expect(message(Array(bytes.prefix(bytes.count - 100))).contains("checksum mismatch"))
        #expect(message(Array(bytes.prefix(10))).contains("truncated"))
        #expect(message(Array("PK\u{3}\u{4}hello".utf8)).contains("not a csiloc model file"))
        #expect(message([]).contains("not a csiloc model file"))
        // A future format version with a valid checksum is refused by version.
        var future = Array(bytes.prefix(bytes.count - 32)); future[8] = 9
        var sha = SHA256(); sha.update(future); future += sha.finalize()
        #expect(message(future).contains("unsupported model format version 9"))
    }

    @Test func sha256MatchesStandardVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var incremental = SHA256()
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        million.withUnsafeBytes { b in
            var i = 0
            while i < b.count {
                let n = min(777, b.count - i); incremental.update(UnsafeRawBufferPointer(rebasing: b[i..<(i + n)]));
                i += n
            }
        }
        #expect(
            incremental.finalize().map { String(format: "%02x", $0) }.joined()
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
