import Foundation
import Testing

@testable import CSIWire

/// Issue 13, class 8: resynchronization is linear in the damaged length. A stretch packed with record markers
/// whose lengths announce long bodies used to cost one full-body CRC per marker (8 192 markers × 1 MiB = 8 GiB
/// of CRC); the range CRCs make each candidate O(log n).
@Suite struct ResyncCostTests {
    /// Deterministic bytes (SplitMix64).
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }

    @Test("CRC combination: checksum(A + B) == shift(checksum(A), |B|) ^ checksum(B)")
    func shiftCombines() {
        let data = Self.bytes(5000, seed: 3)
        for (split, end) in [(0, 0), (0, 10), (10, 10), (1, 2), (7, 4099), (1000, 5000), (4999, 5000), (0, 5000)] {
            let a = Array(data[..<split]), b = Array(data[split..<end])
            #expect(
                CRC32C.checksum(a + b) == CRC32C.shift(CRC32C.checksum(a), byteCount: b.count) ^ CRC32C.checksum(b),
                "split \(split) end \(end)")
        }
        #expect(CRC32C.shift(0x1234_5678, byteCount: 0) == 0x1234_5678)
        _ = CRC32C.shift(0xFFFF_FFFF, byteCount: .max) // any Int byte count is in the table's range
    }

    @Test("range CRCs equal direct CRCs for ranges moving forward through a window")
    func rangeCRCMatchesDirect() throws {
        let data = Self.bytes(300_000, seed: 11)
        let source = CaptureByteSource(bytes: data)
        let range = RangeCRC()
        var offset: Int64 = 5
        var seed: UInt64 = 1
        while offset < 290_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let count = Int(seed >> 33) % (data.count - Int(offset))
            let direct = CRC32C.checksum(data[Int(offset)..<Int(offset) + count])
            #expect(range.checksum(of: offset, count, in: source) == direct, "offset \(offset) count \(count)")
            offset += Int64(1 + Int(seed >> 50) % 3000)
        }
    }

    /// A header, `markers` fake record starts (marker + a `bodyLength` length field) back to back, `padding`
    /// random bytes so each fake record is complete (and fails its CRC), then `tail` valid records.
    static func markerFlood(
        markers: Int, bodyLength: Int, padding: Int, tail: [CaptureRecord]
    ) throws -> (bytes: [UInt8], damageStart: Int) {
        var bytes = try CaptureFormat.encodeHeader(CaptureFileTests.metadata)
        let damageStart = bytes.count
        var fake = CaptureFormat.recordMarker
        ByteCoding.append(UInt32(bodyLength), to: &fake)
        for _ in 0..<markers { bytes += fake }
        bytes += Self.bytes(padding, seed: 7)
        for record in tail { bytes += try CaptureFormat.encodeRecord(record) }
        return (bytes, damageStart)
    }

    @Test("8 192 markers announcing 1 MiB bodies: the records after them are found hashing each byte a few times")
    func markerFloodIsLinear() throws {
        let tail = Array(CaptureFileTests.records().prefix(3))
        let (bytes, damageStart) = try Self.markerFlood(
            markers: 8_192, bodyLength: 1 << 20, padding: (1 << 20) + 64, tail: tail)
        let clock = ContinuousClock()
        for viaFile in [false, true] {
            let started = clock.now
            let reader: CaptureReader
            if viaFile {
                let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "flood-\(UUID().uuidString).csicap"
                ).path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                defer { try? FileManager.default.removeItem(atPath: path) }
                reader = try CaptureReader(path: path)
            } else {
                reader = CaptureReader(bytes: bytes)
            }
            let records = try reader.readAll()
            let elapsed = clock.now - started
            // Linear: every candidate costs at most two partial steps past the checkpoints, each damaged byte is
            // fed once per anchor — against 8 192 × 1 MiB = 8 GiB when each candidate hashed its announced body.
            let damaged = Int64(8_192 * 8 + (1 << 20) + 64)
            let bound = 4 * damaged + Int64(8_192 * 2 * RangeCRC.step)
            #expect(reader.resyncBytesChecksummed <= bound, "via file: \(viaFile): \(reader.resyncBytesChecksummed)")
            #expect(reader.resyncBytesChecksummed > 0)
            #expect(records == tail, "via file: \(viaFile)")
            #expect(reader.report.damage.count == 1)
            #expect(reader.report.damage.first?.offset == Int64(damageStart))
            #expect(reader.report.damage.first?.reason == .recordCRCMismatch)
            #expect(reader.report.bytesSkipped == Int64(8_192 * 8 + (1 << 20) + 64))
            // Time is only a backstop (a shared machine is noisy; the byte bound above is the test).
            #expect(elapsed < .seconds(30), "via file: \(viaFile): \(elapsed)")
        }
    }

    @Test("a valid record hidden among fake markers, and one starting inside a fake body, are both found")
    func validRecordsAmongFakes() throws {
        let records = CaptureFileTests.records()
        var bytes = try CaptureFormat.encodeHeader(CaptureFileTests.metadata)
        var fake = CaptureFormat.recordMarker
        ByteCoding.append(UInt32(4000), to: &fake)
        for i in 0..<200 {
            bytes += fake
            if i % 50 == 49 { bytes += try CaptureFormat.encodeRecord(records[i / 50 % records.count]) }
        }
        bytes += Self.bytes(5000, seed: 5)
        let reader = CaptureReader(bytes: bytes)
        let found = try reader.readAll()
        #expect(found == (0..<4).map { records[$0 % records.count] })
        #expect(reader.report.damage.count == 5)
    }
}
