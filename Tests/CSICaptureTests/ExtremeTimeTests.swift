import CSICapture
import CSIChannel
import CSIWire
import Foundation
import Testing

/// Issue 13, class 5: receive times are numbers read from a capture file — any two Int64s. Pacing a replay,
/// measuring a position feed's span and timestamping an import never trap on them.
@Suite("Extreme receive times")
struct ExtremeTimeTests {
    static let extremes: [Int64] = [.min, .min + 1, -1, 0, 1, 1_767_225_600_000_000_000, .max - 1, .max]

    @Test("the pacer clamps instead of trapping, for any pair of receive times and any speed")
    func pacerNeverTraps() {
        for speed in [ReplaySpeed.factor(1), .factor(1e-300), .factor(0.5), .factor(1e300)] {
            for first in Self.extremes {
                for second in Self.extremes {
                    var pacer = ReplayPacer(speed: speed)
                    let a = pacer.due(forRecordAt: first)
                    let b = pacer.due(forRecordAt: second)
                    pacer.startNextPass()
                    let c = pacer.due(forRecordAt: first)
                    #expect(a == .zero)
                    #expect(b >= a && c >= b && c <= ReplayPacer.maximumDue, "\(speed) \(first) \(second)")
                }
            }
        }
    }

    @Test("a span beyond Int64 is not taken for a step backwards")
    func pacerSaturatesForward() {
        var pacer = ReplayPacer(speed: .realTime)
        _ = pacer.due(forRecordAt: .min)
        #expect(pacer.due(forRecordAt: .max) == ReplayPacer.maximumDue)
        var normal = ReplayPacer(speed: .realTime)
        _ = normal.due(forRecordAt: 1_000)
        #expect(normal.due(forRecordAt: 2_000) == .nanoseconds(1_000))
    }

    @Test("the span of a position feed with extreme receive times is finite and does not trap")
    func positionSpan() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dataset = syntheticDataset(count: 3)
        try importCapture(dataset, to: "\(dir)/truth.csicap")
        let truth = try LabeledCapture.load(path: "\(dir)/truth.csicap", keepSamples: false)
        let records = [(0, Int64.min), (1, Int64.max), (2, 0)].map { seq, t in
            CaptureRecord(
                tRecvNs: t,
                parts: PositionFix(
                    seq: UInt64(seq), receiverID: 1, ueID: 1, tCaptureNs: 0, tPublishNs: t,
                    position: dataset.positions[seq], status: .ok, latencyMs: 2
                ).messageParts())
        }
        let match = PositionMatch.match(records: records, truth: truth)
        #expect(match.matched.count == 3)
        #expect(match.spanSeconds.isFinite && abs(match.spanSeconds - 18_446_744_073.709553) < 1e-3)
    }

    @Test("an import whose timestamps would not fit Int64 nanoseconds is refused up front")
    func importRateTooLow() throws {
        let dataset = syntheticDataset(count: 3)
        var options = DatasetImporter.Options()
        options.rateHz = 1e-300
        #expect(throws: CaptureError.self) { _ = try DatasetImporter(dataset: dataset, options: options) }
        options.rateHz = 1e-10 // 10¹⁰ s between frames: the third is 2·10¹⁹ ns after the start
        #expect(throws: CaptureError.self) { _ = try DatasetImporter(dataset: dataset, options: options) }
        options.rateHz = 100
        let importer = try DatasetImporter(dataset: dataset, options: options)
        #expect(importer.timeNs(2) == options.startNs + 20_000_000)
    }
}
