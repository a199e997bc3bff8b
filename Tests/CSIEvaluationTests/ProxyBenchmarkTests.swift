import CSILocDaemon
import Foundation
import Testing

@testable import CSIEvaluation

/// `csiloc bench proxy` (docs/daemon.md, "Several receivers"): the engine at a tiny scale, and its verdicts on
/// counters worked out by hand.
@Suite(.serialized)
struct ProxyBenchmarkTests {
    /// 3 daemons, 301 frames at 300 frames/s (half the given capacity): the frames split 101/100/100 by hand
    /// (frame k to daemon k mod 3), every one reaches its daemon (far below every high-water mark), each
    /// daemon's counters add up, and what the daemons published arrives through the proxy once.
    @Test func theAccountingOfATinySiteAddsUp() throws {
        var request = ProxyBenchmark.Request(scenePath: tinyScenePath, workersPerDaemon: 1)
        request.daemons = 3
        request.frames = 301
        request.load = 0.5
        request.capacity = 600
        request.uesPerDaemon = 4
        request.distinct = 50
        let report = try ProxyBenchmark.run(request).report
        try #require(report.daemons.count == 3)
        #expect(report.daemons.map(\.sent) == [101, 100, 100])
        #expect(report.targetRate == 300)
        for d in report.daemons {
            let c = d.counters
            #expect(d.sent == c.received, "nothing lost in ZeroMQ at 100 frames per daemon")
            #expect(c.received == c.processed + c.superseded + c.dropped + c.rejected)
            #expect(c.processed == c.published + c.publishErrors && c.processed > 0)
            #expect(c.published == d.throughProxy)
            #expect(d.duplicates == 0)
            #expect(c.queued == 0 && c.inFlight == 0)
        }
        #expect(report.site.throughProxy == report.daemons.map(\.throughProxy).reduce(0, +))
        #expect(report.site.foreign == 0 && report.site.undecodable == 0 && report.site.probes >= 3)
        #expect(report.site.drained)
        #expect(report.passed)
        let back = try ReportJSON.decode(ProxyReport.self, from: try ReportJSON.encode(report))
        #expect(back == report)
    }

    /// One daemon's figures: 100 sent, 2 lost in ZeroMQ, 98 received = 60 processed + 38 superseded, 60
    /// published, `through` received through the proxy, `duplicates` more.
    static func report(
        through: Int = 60, duplicates: Int = 0, processed: Int = 60, foreign: Int = 0, drained: Bool = true
    ) -> ProxyReport {
        var end = DaemonMetrics.Snapshot()
        end.received = 98
        end.processed = processed
        end.superseded = 38
        end.published = 60
        end.sequenceGaps = 2
        let none = ProxyReport.Percentiles(p50: .nan, p99: .nan)
        let daemon = ProxyReport.DaemonFigures(
            receiver: 1, sent: 100, feedErrors: 0, counters: .init(base: DaemonMetrics.Snapshot(), end: end),
            throughProxy: through, duplicates: duplicates, latencyMs: none, endToEndMs: none)
        return ProxyReport(
            scene: "t", shape: [2, 4], method: "robust", cores: 2, workersPerDaemon: 1, uesPerDaemon: 4,
            capacity: .init(rate: 50, measuredFrames: 0, latencyP50Ms: .nan), load: 2, targetRate: 100,
            offered: .init(frames: 100, feedErrors: 0, seconds: 1, rate: 100), daemons: [daemon],
            site: .init(
                throughProxy: through, seconds: 1.2, fixRate: Double(through) / 1.2, drained: drained, probes: 1,
                foreign: foreign, undecodable: 0, proxy: nil, latencyMs: none, endToEndMs: none)
        ).summarized()
    }

    @Test func countersThatAddUpPass() throws {
        let r = Self.report()
        let d = r.daemons[0]
        #expect(d.lostInZeroMQ == 2 && d.unaccounted == 0 && d.publishedNotReceived == 0)
        #expect(r.checks.sent == 100 && r.checks.superseded == 38 && r.checks.published == 60)
        #expect(r.checks.passed && r.passed)
        let back = try ReportJSON.decode(ProxyReport.self, from: try ReportJSON.encode(r))
        #expect(back == r)
        #expect(r.lines.last?.hasSuffix("PASS") == true)
    }

    @Test func aMissingOrDuplicatedFixOrAnUnaccountedFrameFails() {
        // A published fix that did not come through the proxy.
        let missing = Self.report(through: 59)
        #expect(missing.checks.publishedNotReceived == 1 && !missing.checks.everyPublishedFixArrived && !missing.passed)
        // One fix twice.
        let twice = Self.report(duplicates: 1)
        #expect(twice.checks.duplicates == 1 && !twice.checks.noDuplicates && !twice.passed)
        // 98 received, 59 processed + 38 superseded: one frame vanished in the daemon (and 60 published > 59).
        let vanished = Self.report(processed: 59)
        #expect(vanished.daemons[0].unaccounted == 1 && !vanished.checks.everyFrameAccountedFor && !vanished.passed)
        // A fix for no frame sent, or a site that did not drain.
        #expect(!Self.report(foreign: 1).checks.nothingForeign && !Self.report(foreign: 1).passed)
        #expect(!Self.report(drained: false).passed)
        #expect(Self.report(through: 59).lines.last?.hasSuffix("FAIL") == true)
    }

    @Test func requestsOutOfRangeAreRefusedByName() {
        func message(_ change: (inout ProxyBenchmark.Request) -> Void) -> String? {
            var r = ProxyBenchmark.Request(scenePath: tinyScenePath, workersPerDaemon: 1)
            change(&r)
            do { try r.validate() } catch let error as ProxyBenchmark.RequestError { return error.message } catch {
                return "\(error)"
            }
            return nil
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.load = .nan }?.contains("--load") == true)
        #expect(message { $0.load = 0 }?.contains("--load") == true)
        #expect(message { $0.capacity = .infinity }?.contains("--capacity") == true)
        #expect(message { $0.capacity = -1 }?.contains("--capacity") == true)
        #expect(message { $0.daemons = 0 }?.contains("--daemons") == true)
        #expect(
            message {
                $0.frames = 2; $0.daemons = 3
            }?.contains("--frames") == true)
        #expect(message { $0.uesPerDaemon = 1024 }?.contains("--ues") == true)
        #expect(message { $0.workersPerDaemon = 0 }?.contains("--workers") == true)
    }
}
