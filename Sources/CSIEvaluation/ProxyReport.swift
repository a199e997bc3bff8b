import Foundation

/// The figures of `csiloc bench proxy` (``ProxyBenchmark``): one daemon's capacity, what the site feed offered,
/// each daemon's counters against what the consumer received through the proxy, the site's fix rate and latencies,
/// and the verdicts. `--json` writes it with ``ReportJSON``.
///
/// Accounting per daemon (after the drain): sent = received + lost in ZeroMQ before the daemon (the feed's
/// high-water mark; the daemon sees it as a sequence gap); received = processed + superseded + dropped + rejected;
/// processed = published + publish errors; published = received through the proxy, each exactly once. A frame
/// superseded by a newer one of its UE (the per-UE latest-wins queue under overload) is accounted for, not lost.
public struct ProxyReport: Codable, Sendable, Equatable {
    /// One daemon's closed-loop capacity.
    public struct Capacity: Codable, Sendable, Equatable {
        /// Frames/s.
        @FiniteOrNull public var rate: Double
        /// Frames of the measurement (0: given with `--capacity`).
        var measuredFrames: Int
        /// The fixes' `latency_ms` p50 in the measurement (null when given).
        @FiniteOrNull var latencyP50Ms: Double
    }

    /// What the site feed offered.
    public struct Offered: Codable, Sendable, Equatable {
        public var frames: Int
        /// `zmq_send` failures (a PUB never blocks; expected 0).
        var feedErrors: Int
        /// Wall time of the paced offer, s, and the rate achieved, frames/s.
        var seconds: Double
        var rate: Double
    }

    /// p50 and p99 of a latency sample, ms (null when empty).
    public struct Percentiles: Codable, Sendable, Equatable {
        @FiniteOrNull var p50: Double
        @FiniteOrNull var p99: Double

        init(p50: Double, p99: Double) {
            self.p50 = p50
            self.p99 = p99
        }

        init(_ sample: EmpiricalDistribution) {
            self.init(p50: sample.quantile(0.5), p99: sample.quantile(0.99))
        }
    }

    /// One daemon: its frames sent, its own counters over the run, its fixes at the consumer.
    public struct DaemonFigures: Codable, Sendable, Equatable {
        /// The receiver it serves (`input.topics: ["csi/v1/<receiver>/"]`).
        var receiver: UInt32
        /// Frames the feed published for this receiver, and send failures.
        package var sent: Int
        var feedErrors: Int
        /// The daemon's counters over the run (end minus start).
        package var counters: SoakReport.DaemonCounters
        /// Distinct frames whose fix arrived through the proxy, and arrivals beyond the first.
        package var throughProxy: Int
        package var duplicates: Int
        /// The fixes' `latency_ms` (receipt → publish in the daemon) and feed send → consumer, ms.
        var latencyMs: Percentiles
        var endToEndMs: Percentiles

        /// Sent but never received by the daemon.
        package var lostInZeroMQ: Int { sent - counters.received }
        /// Received but neither processed, superseded, dropped nor rejected (0 once drained).
        package var unaccounted: Int {
            counters.received - counters.processed - counters.superseded - counters.dropped - counters.rejected
        }
        /// Published by the daemon, never received through the proxy.
        package var publishedNotReceived: Int { counters.published - throughProxy }

        /// Every frame accounted for: drained, received ≤ sent, received split exactly, processed = published +
        /// publish errors.
        var accountedFor: Bool {
            counters.queued == 0 && counters.inFlight == 0 && lostInZeroMQ >= 0 && unaccounted == 0
                && counters.processed == counters.published + counters.publishErrors
        }
    }

    /// The proxy's own counters over the run (`zmq_proxy_steerable` STATISTICS).
    public struct ProxyCounters: Codable, Sendable, Equatable {
        /// Messages in from the daemons, out to the consumer.
        var received: Int
        var forwarded: Int
    }

    /// The site at the consumer.
    public struct Site: Codable, Sendable, Equatable {
        /// Distinct fixes received through the proxy.
        public var throughProxy: Int
        /// From the first frame sent to the last fix received, s, and the fix rate over it.
        @FiniteOrNull var seconds: Double
        @FiniteOrNull public var fixRate: Double
        /// The daemons were idle and received nothing new at the end.
        var drained: Bool
        /// Probe fixes (the handshake's), fixes matching no frame sent, messages that were not fixes.
        var probes: Int
        var foreign: Int
        var undecodable: Int
        var proxy: ProxyCounters?
        var latencyMs: Percentiles
        var endToEndMs: Percentiles
    }

    /// The verdicts and totals, stored so that `--json` carries them (``ProxyReport/summarized()``).
    struct Checks: Codable, Sendable, Equatable {
        /// No fix arrived twice.
        var noDuplicates = false
        /// Every fix a daemon published arrived through the proxy.
        var everyPublishedFixArrived = false
        /// Every frame sent is received, lost in ZeroMQ before a daemon, processed, superseded, dropped or rejected,
        /// and every processed frame published or a publish error.
        var everyFrameAccountedFor = false
        /// Nothing at the consumer that was not sent (another receiver, `seq` or UE, or not a fix).
        var nothingForeign = false
        var passed = false
        var sent = 0, lostInZeroMQ = 0, superseded = 0, dropped = 0, rejected = 0, published = 0
        var duplicates = 0, publishedNotReceived = 0

        init() {}
    }

    /// Name of the scene.
    public var scene: String
    /// `[n_ant, n_sc]` of the frames.
    var shape: [Int]
    var method: String
    /// Cores of this machine, shared by every daemon of the site.
    var cores: Int
    var workersPerDaemon: Int
    var uesPerDaemon: Int
    public var capacity: Capacity
    /// Offered rate of the whole site as a multiple of one daemon's capacity, and that rate, frames/s.
    public var load: Double
    var targetRate: Double
    public var offered: Offered
    /// One entry per daemon, in receiver order.
    package var daemons: [DaemonFigures]
    public var site: Site
    var checks = Checks()

    /// The report with ``checks`` filled in from the figures.
    func summarized() -> ProxyReport {
        var r = self
        func total(_ value: (DaemonFigures) -> Int) -> Int { daemons.map(value).reduce(0, +) }
        r.checks.sent = total(\.sent)
        r.checks.lostInZeroMQ = total(\.lostInZeroMQ)
        r.checks.superseded = total(\.counters.superseded)
        r.checks.dropped = total(\.counters.dropped)
        r.checks.rejected = total(\.counters.rejected)
        r.checks.published = total(\.counters.published)
        r.checks.duplicates = total(\.duplicates)
        r.checks.publishedNotReceived = total(\.publishedNotReceived)
        r.checks.noDuplicates = r.checks.duplicates == 0
        r.checks.everyPublishedFixArrived = daemons.allSatisfy { $0.publishedNotReceived == 0 }
        r.checks.everyFrameAccountedFor = site.drained && daemons.allSatisfy(\.accountedFor)
        r.checks.nothingForeign = site.foreign == 0 && site.undecodable == 0
        r.checks.passed =
            r.checks.noDuplicates && r.checks.everyPublishedFixArrived && r.checks.everyFrameAccountedFor
            && r.checks.nothingForeign
        return r
    }

    /// All checks: no duplicate, every published fix through the proxy, every frame accounted for, nothing foreign.
    public var passed: Bool { summarized().checks.passed }
}
