import CSILocDaemon
import Foundation
import Testing

@testable import CSIEvaluation

/// The soak's verdicts (`csiloc bench soak`, docs/daemon.md "Soak") on counters worked out by hand.
struct SoakReportTests {
    /// 100 valid frames and 20 malformed (10 of them filtered by the subscription) offered; 3 valid frames and
    /// 1 malformed message lost in ZeroMQ.
    static func report(processed: Int = 60, superseded: Int = 37, rejected: Int = 9, gaps: Int = 3,
                       rss: [Int] = [900, 1000, 1050, 1090]) -> SoakReport {
        var end = DaemonMetrics.Snapshot()
        end.received = 97 + 9
        end.processed = processed
        end.superseded = superseded
        end.rejected = rejected
        end.rejectedByReason = ["bad_magic": 5, "too_many_parts": rejected - 5]
        end.sequenceGaps = gaps
        end.published = processed
        let samples = rss.enumerated().map { SoakReport.RSSSample(message: $0.offset * 100, seconds: Double($0.offset), rssKiB: $0.element) }
        let survival = SoakReport.Survival(
            markerAnswered: true, drained: true, makingProgress: true, liveFixes: processed,
            restart: .init(atMessage: 60, processedBefore: 30, processedAfter: 30),
            stalledSubscriber: .init(atMessage: 10, readBeforeStall: 5, publishedAtStall: 5, publishedAfterStall: 55,
                                     liveFixesAtStall: 5, liveFixesAfterStall: 55))
        return SoakReport(scene: "t", shape: [2, 4], workers: 1, capacityRate: 10, targetRate: 30, overload: 3,
                          offered: .init(valid: 100, malformed: ["garbage": 5, "too_many_parts": 5, "unsubscribed_topic": 10],
                                         publishErrors: 0, seconds: 4, rate: 30),
                          daemon: .init(base: DaemonMetrics.Snapshot(), end: end),
                          rss: .init(samples: samples, warmUpMessages: 100), survival: survival).summarized()
    }

    @Test func countersThatAddUpPass() throws {
        let r = Self.report()
        #expect(r.offered.total == 120 && r.offered.unsubscribed == 10 && r.offered.malformedReachingDaemon == 10)
        #expect(r.lostInZeroMQ == 120 - 10 - 106)  // 3 valid + 1 malformed
        #expect(r.daemonIdentityHolds && r.offeredAccountedFor && r.rejectionsAsExpected)
        // After warm-up: 1000, 1050, 1090 KiB: +9 % at most.
        #expect(r.rss.firstKiB == 1000 && r.rss.maxKiB == 1090 && r.rss.lastKiB == 1090 && r.rss.flatWithin10Percent)
        #expect(r.checks.passed && r.passed)
        let back = try ReportJSON.decode(SoakReport.self, from: try ReportJSON.encode(r))
        #expect(back == r)
    }

    @Test func aLostFrameAGrowthOrAStallFails() {
        // A valid frame neither received nor a gap: the offered side no longer adds up.
        #expect(!Self.report(gaps: 2).offeredAccountedFor)
        // Processed + superseded + rejected short of received: the daemon lost one.
        #expect(!Self.report(processed: 59).daemonIdentityHolds)
        // 1000 → 1101 KiB after warm-up: more than 10 %.
        #expect(!Self.report(rss: [900, 1000, 1101, 1050]).rss.flatWithin10Percent)
        var stalled = Self.report()
        stalled.survival.stalledSubscriber.liveFixesAfterStall = 0
        #expect(!stalled.survival.survived && !stalled.passed)
    }
}
