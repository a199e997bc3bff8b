import CSILocDaemon
import Foundation
import Testing

@testable import CSIEvaluation

/// The soak's verdicts (`csiloc bench soak`, docs/daemon.md "Soak") on counters worked out by hand.
struct SoakReportTests {
    /// 100 valid frames and 20 malformed (10 of them filtered by the subscription) offered; 3 valid frames and
    /// 1 malformed message lost in ZeroMQ.
    static func report(
        processed: Int = 60, superseded: Int = 37, rejected: Int = 9, gaps: Int = 3,
        received: Int = 97 + 9, reasons: [String: Int]? = nil,
        rss: [Int] = [900, 1000, 1050, 1090]
    ) -> SoakReport {
        var end = DaemonMetrics.Snapshot()
        end.received = received
        end.processed = processed
        end.superseded = superseded
        end.rejectedByReason = (reasons ?? ["bad_magic": 5, "too_many_parts": rejected - 5]).filter { $0.value > 0 }
        end.rejected = reasons.map { $0.values.reduce(0, +) } ?? rejected
        end.sequenceGaps = gaps
        end.published = processed
        let samples = rss.enumerated().map {
            SoakReport.RSSSample(message: $0.offset * 100, seconds: Double($0.offset), rssKiB: $0.element)
        }
        let survival = SoakReport.Survival(
            markerAnswered: true, drained: true, makingProgress: true, liveFixes: processed,
            restart: .init(atMessage: 60, processedBefore: 30, processedAfter: 30),
            stalledSubscriber: .init(
                atMessage: 10, readBeforeStall: 5, publishedAtStall: 5, publishedAfterStall: 55,
                liveFixesAtStall: 5, liveFixesAfterStall: 55))
        return SoakReport(
            scene: "t", shape: [2, 4], workers: 1, capacityRate: 10, targetRate: 30, overload: 3,
            offered: .init(
                valid: 100, malformed: ["garbage": 5, "too_many_parts": 5, "unsubscribed_topic": 10],
                publishErrors: 0, seconds: 4, rate: 30),
            daemon: .init(base: DaemonMetrics.Snapshot(), end: end),
            rss: .init(samples: samples, warmUpMessages: 100), survival: survival
        ).summarized()
    }

    @Test func countersThatAddUpPass() throws {
        let r = Self.report()
        #expect(r.offered.total == 120 && r.offered.unsubscribed == 10 && r.offered.malformedReachingDaemon == 10)
        #expect(r.lostInZeroMQ == 120 - 10 - 106) // 3 valid + 1 malformed
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

    /// 3 valid frames lost, and 1 valid frame rejected before the sequence check (so one more gap) under a reason
    /// of no kind offered (`non_finite_sample`: no NaN messages), while 2 malformed messages (a garbage header and
    /// 23 parts) were lost: R = 97 + 8 = 105, J = 4 + 4 + 1 = 9, G = 4, R − J + G = 100 = V and L = 110 − 105 − 4
    /// = 1, J = 10 − 1: the totals add up, the reasons do not.
    @Test func aWronglyRejectedValidFrameMaskedByALostMalformedMessageFails() {
        let masked = Self.report(
            processed: 59, gaps: 4, received: 105,
            reasons: ["bad_magic": 4, "too_many_parts": 4, "non_finite_sample": 1])
        #expect(masked.daemonIdentityHolds && masked.offeredAccountedFor)
        #expect(!masked.rejectionsAsExpected && !masked.passed)
        // The same under `bad_magic`, all 5 garbage headers received and 2 messages of 23 parts lost: 6 > 5.
        let beyond = Self.report(processed: 59, gaps: 4, received: 105, reasons: ["bad_magic": 6, "too_many_parts": 3])
        #expect(beyond.offeredAccountedFor && !beyond.rejectionsAsExpected && !beyond.passed)
        // A valid frame's own reason.
        let shape = Self.report(reasons: ["bad_magic": 5, "too_many_parts": 3, "shape_mismatch": 1])
        #expect(!shape.rejectionsAsExpected)
    }

    /// Every malformed message "lost in ZeroMQ": R = 97, J = 0, G = 3, L = 110 − 97 − 3 = 10 = M. The totals add
    /// up; a daemon that rejects nothing must not pass.
    @Test func noRejectionAtAllFails() {
        let r = Self.report(processed: 60, superseded: 37, received: 97, reasons: [:])
        #expect(r.daemonIdentityHolds && r.offeredAccountedFor && r.malformedLostInZeroMQ == 10)
        #expect(!r.rejectionsAsExpected && !r.passed)
    }

    /// No garbage header rejected (`bad_magic` 0 of 5) while the 23-part messages were: L = 110 − 102 − 3 = 5.
    @Test func aMalformedKindNeverRejectedFails() {
        let r = Self.report(received: 102, reasons: ["too_many_parts": 5])
        #expect(r.daemonIdentityHolds && r.offeredAccountedFor && r.malformedLostInZeroMQ == 5)
        #expect(!r.rejectionsAsExpected)
    }

    /// The per-kind bounds n_k − L ≤ j_k ≤ n_k on hand counts: L = 1, so 4 or 5 of each kind pass.
    @Test func perKindBoundsFollowTheMalformedLost() {
        #expect(Self.report(reasons: ["bad_magic": 4, "too_many_parts": 5]).rejectionsAsExpected)
        #expect(Self.report(reasons: ["bad_magic": 5, "too_many_parts": 4]).rejectionsAsExpected)
        #expect(SoakBenchmark.MalformedKind.allCases.filter(\.reachesDaemon).allSatisfy { $0.expectedReason != nil })
        #expect(SoakBenchmark.MalformedKind.unsubscribedTopic.expectedReason == nil)
    }
}
