import CSICapture
import CSIWire
import Foundation
import Testing
import ZMQ

/// Truncated and bit-flipped captures: replay and the evaluation loader keep going and report the damage.
@Suite("Damaged captures")
struct DamagedCaptureTests {
    /// Imports 20 frames and returns the file's bytes and each record's end offset.
    func intactCapture(_ dir: String) throws -> (bytes: [UInt8], recordEnds: [Int]) {
        let path = "\(dir)/intact.csicap"
        let records = try importCapture(syntheticDataset(count: 20), to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let sizes = records.map { 8 + 10 + $0.parts.reduce(0) { $0 + 4 + $1.count } + 4 }
        let headerEnd = bytes.count - sizes.reduce(0, +)
        var ends: [Int] = []
        var at = headerEnd
        for size in sizes { at += size; ends.append(at) }
        #expect(at == bytes.count)
        return (bytes, ends)
    }

    func replayQuickly(_ path: String, _ dir: String) throws -> CaptureReplayer.Progress {
        let context = try Context()
        defer { context.terminate() }
        var config = CaptureReplayer.Configuration(
            path: path, endpoint: ipcEndpoint(dir, "dmg-\(UUID().uuidString.prefix(6))"))
        config.speed = .maximum
        config.waitForSubscribers = .zero
        return try CaptureReplayer(configuration: config, context: context).run()
    }

    @Test("a torn final record: every complete record is replayed and evaluated, the tear is reported")
    func truncated() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (bytes, ends) = try intactCapture(dir)
        let path = "\(dir)/torn.csicap"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes[..<(ends[14] + 37)]))
        let replay = try replayQuickly(path, dir)
        #expect(replay.sent == 15)
        #expect(replay.report.damage.map(\.reason) == [.truncatedRecord])
        let frames = try LabeledCapture.load(path: path)
        #expect(frames.count == 15)
        #expect(frames.report.damage.count == 1)
        #expect(frames.keys.map(\.seq) == Array(0..<15))
    }

    @Test("a flipped payload bit costs one record; replay and evaluation go on after it")
    func bitFlip() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var (bytes, ends) = try intactCapture(dir)
        bytes[ends[6] + 100] ^= 0x10 // inside record 7's body
        let path = "\(dir)/flipped.csicap"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let replay = try replayQuickly(path, dir)
        #expect(replay.sent == 19)
        #expect(replay.report.damage.map(\.reason) == [.recordCRCMismatch])
        let frames = try LabeledCapture.load(path: path)
        #expect(frames.count == 19)
        #expect(!frames.keys.contains { $0.seq == 7 })
        #expect(frames.report.damage.first?.offset == Int64(ends[6]))
    }

    @Test("a damaged file header loses only the metadata")
    func damagedHeader() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var (bytes, _) = try intactCapture(dir)
        bytes[20] ^= 0xFF // inside the metadata JSON: CRC mismatch
        let path = "\(dir)/header.csicap"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let replay = try replayQuickly(path, dir)
        #expect(replay.sent == 20)
        #expect(replay.metadata == nil)
        let frames = try LabeledCapture.load(path: path)
        #expect(frames.count == 20 && frames.metadata == nil)
        #expect(frames.report.damage.first?.reason == .metadataCRCMismatch)
    }
}
