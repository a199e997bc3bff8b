import CSIEvaluation
import CSIWire
import Foundation
import Testing
import ZMQ

@testable import CSILocDaemon

/// A publisher far faster than the workers: memory stays bounded, the newest frames win, and every
/// received frame is accounted for exactly once.
@Suite(.serialized)
struct OverloadTests {
    @Test func boundedNewestWinsAndCountersAddUp() async throws {
        let ues: [UInt32] = [1, 2, 3, 4]
        let harness = try await onThread { try Harness("overload") { _ in testConfigYAML(workers: 1, perUE: 2) } }
        defer { harness.close() }
        // Distinct positions per frame so nothing is cached anywhere; 200 frames per UE, reused cyclically.
        let pool = Dictionary(
            uniqueKeysWithValues: ues.map { ue in
                (ue, TinyFrames.make(count: 200, receiver: 1, ue: ue, seed: UInt64(ue)).map(TinyFrames.parts))
            })
        let baseline = harness.snapshot()
        let rssBefore = ProcessStatistics.residentKiB()
        let result = try await onThread { () -> (sent: Int, maxDepth: Int, lastSeq: UInt64) in
            var seq: UInt64 = 0
            var maxDepth = 0
            let deadline = ContinuousClock.now + .seconds(4)
            while ContinuousClock.now < deadline {
                for ue in ues {
                    var parts = pool[ue]![Int(seq / UInt64(ues.count)) % 200]
                    // Rewrite seq (header bytes 8..<16) so the per-receiver sequence stays contiguous.
                    for i in 0..<8 { parts[1][8 + i] = UInt8((seq >> (8 * UInt64(i))) & 0xFF) }
                    try? harness.feed.publish(parts)
                    seq += 1
                }
                maxDepth = max(maxDepth, harness.daemon.pipeline.queueDepth)
                usleep(100)
            }
            return (Int(seq), maxDepth, seq - 1)
        }
        let settled = try await onThread {
            waitUntil(timeout: .seconds(30)) {
                let s = harness.snapshot()
                return s.outstanding == 0 && s.queued == 0 && s.inFlight == 0 && s.received > baseline.received
            }
        }
        #expect(settled)
        try await Task.sleep(for: .milliseconds(300)) // let the last fixes reach the test subscriber
        let s = harness.snapshot()
        let received = s.received - baseline.received
        let processed = s.processed - baseline.processed
        // Overload really happened: ≥ 5× more frames offered than the worker localized.
        #expect(received >= 5 * processed, "received \(received), processed \(processed)")
        // Bounded: never more than per_ue × UEs frames queued, and RSS did not run away.
        #expect(result.maxDepth <= 2 * ues.count)
        let rssGrowthKiB = ProcessStatistics.residentKiB() - rssBefore
        #expect(rssGrowthKiB < 64 * 1024, "RSS grew by \(rssGrowthKiB) KiB")
        // Accounting identity.
        #expect(s.received == s.processed + s.superseded + s.dropped + s.rejected)
        #expect(s.superseded > 0 && s.dropped == 0 && s.rejected == 0)
        #expect(s.published == s.processed)
        #expect(harness.received.count == processed)
        // Newest wins: the last frame sent for each UE is among the fixes (nothing came after to supersede it).
        let published = Set(harness.received.map(\.seq))
        for k in 0..<ues.count {
            let last = result.lastSeq - UInt64(k)
            #expect(published.contains(last), "last seq \(last) was not localized")
        }
    }
}
