import Foundation
import Testing

@testable import CSIWire

@Suite struct CaptureFileTests {
    static let metadata = CaptureMetadata(
        tool: "csiloc record", toolVersion: "0.1.0", created: "2026-11-25T09:06:00.123Z",
        sourceEndpoint: "tcp://127.0.0.1:5556", topicPrefix: "csi/v1/", kind: .csi,
        antennas: [SIMD3(0, 0, 0), SIMD3(0.06, 0, 0)], frequencies: [2.4e9, 2.4003125e9], carrier: 2.462e9,
        extra: ["site": "lab", "run": 3])

    /// A few small records with varied part counts and sizes (including empty parts and zero parts).
    static func records() -> [CaptureRecord] {
        [
            CaptureRecord(tRecvNs: 1_700_000_000_000_000_001, parts: Fixtures.parts()),
            CaptureRecord(tRecvNs: -7, parts: []),
            CaptureRecord(tRecvNs: 42, parts: [[], [1, 2, 3], []]),
            CaptureRecord(tRecvNs: 43, parts: [Array("pos/v1/3/17".utf8), Array("{}".utf8)]),
        ]
    }

    static func fileBytes(_ records: [CaptureRecord] = records()) throws -> [UInt8] {
        var bytes = try CaptureFormat.encodeHeader(metadata)
        for record in records { bytes += try CaptureFormat.encodeRecord(record) }
        return bytes
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("csiwire-\(UUID().uuidString).csicap").path
    }

    @Test func writeReadRoundTripOnDisk() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, metadata: Self.metadata)
        for record in Self.records() { try writer.append(record) }
        try writer.close()
        try writer.close() // idempotent
        #expect(throws: CaptureError.closed) { try writer.append(parts: [], tRecvNs: 0) }
        #expect(writer.recordsWritten == 4)

        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(onDisk == (try Self.fileBytes()))
        #expect(Int64(onDisk.count) == writer.bytesWritten)

        let reader = try CaptureReader(path: path)
        #expect(reader.metadata == Self.metadata)
        #expect(try reader.readAll() == Self.records())
        #expect(reader.report.isClean && reader.report.recordsRead == 4)
        #expect(try reader.next() == nil)
    }

    @Test func refusesToOverwriteUnlessAsked() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try CaptureWriter(path: path, metadata: Self.metadata).close()
        #expect(throws: CaptureError.self) { try CaptureWriter(path: path, metadata: Self.metadata) }
        let writer = try CaptureWriter(path: path, metadata: Self.metadata, overwrite: true)
        try writer.append(Self.records()[2])
        try writer.close()
        #expect(try CaptureReader(path: path).readAll() == [Self.records()[2]])
        #expect(throws: CaptureError.self) { try CaptureReader(path: path + ".missing") }
    }

    @Test func flushPolicyBatchesRecords() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, metadata: Self.metadata, flushPolicy: .init(everyRecords: 3))
        let headerSize = try CaptureFormat.encodeHeader(Self.metadata).count
        func sizeOnDisk() throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? -1 }
        #expect(try sizeOnDisk() == headerSize) // header is flushed at creation
        try writer.append(Self.records()[1])
        try writer.append(Self.records()[2])
        #expect(try sizeOnDisk() == headerSize) // still buffered
        try writer.append(Self.records()[3])
        #expect(try sizeOnDisk() > headerSize) // third record triggered the flush
        try writer.append(Self.records()[1])
        try writer.sync()
        #expect(Int64(try sizeOnDisk()) == writer.bytesWritten)
        try writer.close()
        #expect(try CaptureReader(path: path).readAll().count == 4)
    }

    @Test func writerRejectsOversizedRecords() {
        let tooMany = CaptureRecord(tRecvNs: 0, parts: Array(repeating: [], count: 70_000))
        #expect(throws: CaptureError.self) { try CaptureFormat.encodeRecord(tooMany) }
    }

    @Test func readerHandlesLargeRecordsAcrossChunks() throws {
        // Records bigger than the reader's 1 MiB read chunk, on disk.
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let big = CaptureRecord(tRecvNs: 1, parts: [[UInt8](repeating: 0xAB, count: 1_500_000), [9]])
        let writer = try CaptureWriter(path: path, metadata: Self.metadata)
        try writer.append(big)
        try writer.append(Self.records()[2])
        try writer.append(big)
        try writer.close()
        let reader = try CaptureReader(path: path)
        #expect(try reader.readAll() == [big, Self.records()[2], big])
        #expect(reader.report.isClean)
    }

    @Test func metadataJSONRoundTrip() throws {
        let json = Self.metadata.jsonValue()
        #expect(CaptureMetadata(json: try JSONValue(parsing: json.serialized())) == Self.metadata)
        #expect(CaptureMetadata(json: ["tool": "x"]) == nil) // kind missing
        #expect(CaptureMetadata(json: ["tool": "x", "kind": "video"]) == nil)
        #expect(CaptureMetadata(json: ["tool": "x", "kind": "csi", "antennas": [[1, 2]]]) == nil)
        #expect(CaptureMetadata(json: ["tool": "x", "kind": "positions"])?.kind == .positions)
        let now = CaptureMetadata.timestamp(Date(timeIntervalSince1970: 0.25))
        #expect(now == "1970-01-01T00:00:00.250Z")
    }
}
