import CSICapture
import CSIChannel
import CSINumerics
import CSIWire
import Foundation
import Testing

@Suite("Dataset import")
struct DatasetImporterTests {
    @Test("frames carry seq 0…M−1, the truth, LoS, timestamps at the rate, and the exact cf32 samples")
    func content() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dataset = syntheticDataset(count: 12)
        let records = try importCapture(dataset, to: "\(dir)/a.csicap", rate: 250) {
            $0.receiverID = 7
            $0.ueID = 42
        }
        let frames = try decodeAll(records)
        #expect(frames.map(\.header.seq) == Array(0..<12))
        #expect(frames.allSatisfy { $0.header.receiverID == 7 && $0.header.ueID == 42 })
        #expect(frames.map { $0.truth! } == dataset.positions)
        #expect(frames.map { $0.extension?.members["los"]?.boolValue } == dataset.los!.map { $0 })
        for (i, frame) in frames.enumerated() {
            #expect(frame.samples == Array(dataset.channel(i)))
            #expect(frame.header.crc32c != 0)
        }
        let t = records.map(\.tRecvNs)
        #expect(t.first == DatasetImporter.Options().startNs)
        #expect(zip(t, t.dropFirst()).allSatisfy { $1 - $0 == 4_000_000 })
        #expect(frames.map(\.header.tCaptureNs) == t)
        let metadata = try #require(try CaptureReader(path: "\(dir)/a.csicap").metadata)
        #expect(metadata.kind == .csi)
        #expect(metadata.carrier == dataset.carrier)
        #expect(metadata.frequencies == dataset.frequencies)
        #expect(metadata.antennas == dataset.antennas)
    }

    @Test("same seed ⇒ byte-identical file; another seed ⇒ other noise")
    func deterministic() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dataset = syntheticDataset(count: 10)
        func bytes(_ name: String, seed: UInt64) throws -> [UInt8] {
            try importCapture(dataset, to: "\(dir)/\(name)") {
                $0.snrDB = 10
                $0.randomPhase = true
                $0.seed = seed
            }
            return try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)")))
        }
        let a = try bytes("a.csicap", seed: 3), b = try bytes("b.csicap", seed: 3), c = try bytes("c.csicap", seed: 4)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("the noise is localize's: stream 0x4C4F_4341_0000_0000 + i of the seed")
    func noiseMatchesLocalize() throws {
        let dataset = syntheticDataset(count: 3)
        var options = DatasetImporter.Options()
        options.snrDB = 5
        options.seed = 9
        let importer = try DatasetImporter(dataset: dataset, options: options)
        for i in 0..<3 {
            var h = Array(dataset.channel(i))
            var rng = SeededGenerator(seed: 9, stream: 0x4C4F_4341_0000_0000 &+ UInt64(i))
            h.withUnsafeMutableBufferPointer {
                Impairments(snrDB: 5).apply(
                    to: $0, antennas: 3, frequencies: dataset.frequencies,
                    carrier: dataset.carrier, rng: &rng)
            }
            #expect(importer.samples(i) == h)
        }
    }

    @Test("ci16 frames decode to the samples within the quantization step")
    func int16() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dataset = syntheticDataset(count: 5)
        let frames = try decodeAll(importCapture(dataset, to: "\(dir)/q.csicap") { $0.encoding = .ci16 })
        for (i, frame) in frames.enumerated() {
            #expect(frame.header.sampleFormat == .complexInt16)
            let step = frame.header.scale
            #expect(zip(frame.samples, dataset.channel(i)).allSatisfy { abs($0 - $1) <= step })
        }
    }
}
