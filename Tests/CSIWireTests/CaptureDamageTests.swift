import Testing

@testable import CSIWire

@Suite struct CaptureDamageTests {
    typealias Reason = CaptureReadReport.Damage.Reason

    static let records = CaptureFileTests.records()
    static let file = try! CaptureFileTests.fileBytes()
    static let headerSize = try! CaptureFormat.encodeHeader(CaptureFileTests.metadata).count
    /// Start offset of each record, and the end of the file.
    static let boundaries: [Int] = {
        var offsets = [headerSize]
        for record in records { offsets.append(offsets.last! + (try! CaptureFormat.encodeRecord(record)).count) }
        return offsets
    }()

    static func read(
        _ bytes: [UInt8]
    ) -> (records: [CaptureRecord], report: CaptureReadReport, metadata: CaptureMetadata?) {
        let reader = CaptureReader(bytes: bytes)
        let records = (try? reader.readAll()) ?? []
        return (records, reader.report, reader.metadata)
    }

    @Test func truncationAtEveryOffset() {
        for cut in 0..<Self.file.count {
            let (records, report, metadata) = Self.read(Array(Self.file.prefix(cut)))
            let complete = Self.boundaries.dropFirst().filter { $0 <= cut }.count
            #expect(records == Array(Self.records.prefix(complete)), "cut at \(cut)")
            #expect(report.recordsRead == complete)
            if cut < Self.headerSize {
                #expect(metadata == nil)
                #expect(report.damage.first?.reason == .truncatedHeader, "cut at \(cut)")
            } else {
                #expect(metadata == CaptureFileTests.metadata)
            }
            let clean = cut >= Self.headerSize && Self.boundaries.contains(cut)
            #expect(report.isClean == clean, "cut at \(cut)")
            if !clean {
                #expect(report.damage.count == 1)
                let skipped = Int64(cut - (cut < Self.headerSize ? 0 : Self.boundaries.last { $0 <= cut }!))
                #expect(report.bytesSkipped == skipped, "cut at \(cut)")
                if cut > Self.headerSize { #expect(report.damage[0].reason == .truncatedRecord, "cut at \(cut)") }
            }
        }
        #expect(Self.read(Self.file).report.isClean)
    }

    @Test func bitFlipInHeaderJSONLosesOnlyMetadata() {
        var bytes = Self.file
        bytes[20] ^= 0x04
        let (records, report, metadata) = Self.read(bytes)
        #expect(metadata == nil)
        #expect(records == Self.records)
        #expect(report.damage == [.init(offset: 0, byteCount: Int64(Self.headerSize), reason: .metadataCRCMismatch)])
    }

    @Test func bitFlipInEachRecordBodyLosesOnlyThatRecord() {
        for index in Self.records.indices {
            var bytes = Self.file
            let start = Self.boundaries[index]
            let bodyByte = start + 8 + 9 // inside the body (n_parts high byte)
            bytes[bodyByte] ^= 0x01
            let (records, report, _) = Self.read(bytes)
            var expected = Self.records
            expected.remove(at: index)
            #expect(records == expected, "record \(index)")
            #expect(report.damage.count == 1)
            #expect(report.damage.first?.offset == Int64(start))
            #expect(report.damage.first?.reason == .recordCRCMismatch)
            #expect(report.bytesSkipped == Int64(Self.boundaries[index + 1] - start))
        }
    }

    @Test func damagedCRCMarkerAndLength() {
        let second = Self.boundaries[1]
        let third = Self.boundaries[2]
        var crc = Self.file
        crc[third - 1] ^= 0x80 // last byte of record 1's CRC
        #expect(Self.read(crc).report.damage.map(\.reason) == [.recordCRCMismatch])
        #expect(Self.read(crc).records.count == 3)

        var marker = Self.file
        marker[second] = 0
        #expect(Self.read(marker).report.damage.map(\.reason) == [.badMarker])
        #expect(Self.read(marker).records == Array(Self.records[0...0] + Self.records[2...]))

        var huge = Self.file
        Fixtures.poke(UInt32.max, &huge, at: second + 4)
        #expect(Self.read(huge).report.damage.map(\.reason) == [.badRecordLength])
        #expect(Self.read(huge).records.count == 3)

        var longer = Self.file // plausible but wrong length: runs past the end of the file
        Fixtures.poke(UInt32(1_000_000), &longer, at: second + 4)
        #expect(Self.read(longer).report.damage.map(\.reason) == [.truncatedRecord])
        #expect(Self.read(longer).records.count == 3)

        var shorter = Self.file
        Fixtures.poke(UInt32(12), &shorter, at: second + 4)
        #expect(Self.read(shorter).report.damage.map(\.reason) == [.recordCRCMismatch])
        #expect(Self.read(shorter).records.count == 3)
    }

    @Test func garbageBetweenRecordsAndBadMagic() {
        let second = Self.boundaries[1]
        var bytes = Self.file
        bytes.insert(contentsOf: Array("junk REC".utf8) + CaptureFormat.recordMarker + [1, 2, 3], at: second)
        let (records, report, _) = Self.read(bytes)
        #expect(records == Self.records)
        #expect(report.damage == [.init(offset: Int64(second), byteCount: 15, reason: .badMarker)])

        var magic = Self.file
        magic[0] = UInt8(ascii: "X")
        let damaged = Self.read(magic)
        #expect(damaged.metadata == nil && damaged.records == Self.records)
        #expect(damaged.report.damage.map(\.reason) == [.badFileMagic])

        var length = Self.file
        Fixtures.poke(UInt32.max, &length, at: 8)
        #expect(Self.read(length).report.damage.map(\.reason) == [.badMetadataLength])
        #expect(Self.read(length).records == Self.records)
    }

    @Test func validCRCButInvalidMetadataOrBody() throws {
        var header = CaptureFormat.fileMagic
        let json = Array("[1,2]".utf8)
        ByteCoding.append(UInt32(json.count), to: &header)
        header += json
        ByteCoding.append(CRC32C.checksum(json), to: &header)
        let record = try CaptureFormat.encodeRecord(Self.records[2])
        let (records, report, metadata) = Self.read(header + record)
        #expect(metadata == nil && records == [Self.records[2]])
        #expect(report.damage == [.init(offset: 12, byteCount: 5, reason: .badMetadata)])

        // A body whose part lengths do not add up, with a correct CRC.
        var body: [UInt8] = []
        ByteCoding.append(Int64(5), to: &body)
        ByteCoding.append(UInt16(1), to: &body)
        ByteCoding.append(UInt32(100), to: &body)
        body += [1, 2, 3]
        var bad = CaptureFormat.recordMarker
        ByteCoding.append(UInt32(body.count), to: &bad)
        bad += body
        ByteCoding.append(CRC32C.checksum(body), to: &bad)
        let second = Self.read(try CaptureFormat.encodeHeader(CaptureFileTests.metadata) + bad + record)
        #expect(second.records == [Self.records[2]])
        #expect(second.report.damage.map(\.reason) == [.badRecordBody])
    }

    @Test func emptyAndGarbageFiles() {
        #expect(Self.read([]).report.damage.map(\.reason) == [.truncatedHeader])
        #expect(Self.read(Array("CSICAP".utf8)).report.damage.map(\.reason) == [.truncatedHeader])
        var rng = SplitMix64(seed: 99)
        for length in [1, 7, 8, 12, 100, 5000, 70_000] {
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let (records, report, _) = Self.read(garbage)
            #expect(records.isEmpty)
            #expect(report.bytesSkipped == Int64(length))
            // Garbage followed by a valid record: the record is found by resync.
            let record = try! CaptureFormat.encodeRecord(Self.records[3])
            #expect(Self.read(garbage + record).records == [Self.records[3]])
        }
    }
}
