import CSICapture
import CSIChannel
import CSIWire
import Foundation
import Testing

@Suite("Matching position fixes to the truth")
struct PositionMatchTests {
    func fixRecord(
        seq: UInt64, receiver: UInt32 = 1, ue: UInt32 = 1, at p: Point3, status: PositionFix.Status = .ok,
        t: Int64
    ) -> CaptureRecord {
        let fix = PositionFix(
            seq: seq, receiverID: receiver, ueID: ue, tCaptureNs: 0, tPublishNs: t, position: p,
            status: status, latencyMs: 2)
        return CaptureRecord(tRecvNs: t, parts: fix.messageParts())
    }

    @Test("matched, failed, duplicate, unmatched, missing and undecodable are all counted")
    func accounting() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dataset = syntheticDataset(count: 6)
        try importCapture(dataset, to: "\(dir)/truth.csicap")
        let truth = try LabeledCapture.load(path: "\(dir)/truth.csicap", keepSamples: false)
        #expect(truth.count == 6 && truth.samples.isEmpty)
        let offset = Point3(0.03, -0.04, 0.5)
        let records = [
            fixRecord(seq: 0, at: dataset.positions[0] + offset, t: 1_000_000_000),
            fixRecord(seq: 1, at: dataset.positions[1] + offset, t: 1_100_000_000),
            fixRecord(seq: 1, at: dataset.positions[1] + offset, t: 1_200_000_000), // duplicate
            fixRecord(seq: 2, at: Point3(.nan, .nan, .nan), status: .failed, t: 1_300_000_000),
            fixRecord(seq: 3, receiver: 5, at: .zero, t: 1_400_000_000), // other receiver
            CaptureRecord(tRecvNs: 1_500_000_000, parts: [Array("pos/v1/1/1".utf8), Array("{".utf8)]),
            fixRecord(seq: 4, at: dataset.positions[4] + offset, t: 2_000_000_000),
        ]
        let match = PositionMatch.match(records: records, truth: truth)
        #expect(match.matched.map(\.key.seq) == [0, 1, 1, 4])
        #expect(match.failed == 1)
        #expect(match.duplicateFixes == 1)
        #expect(match.unmatchedFixes == 1)
        #expect(match.undecodable == 1)
        #expect(match.missingFrames == 2) // seq 3 and 5 of receiver 1
        #expect(match.errors(horizontal: false).allSatisfy { abs($0 - (0.05 * 0.05 + 0.25).squareRoot()) < 1e-12 })
        #expect(match.errors(horizontal: true).allSatisfy { abs($0 - 0.05) < 1e-12 })
        #expect(match.completeLoS == [true, false, false, true])
        #expect(abs(match.spanSeconds - 1.0) < 1e-12)
    }
}
