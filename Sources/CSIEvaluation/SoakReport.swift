import CSILocDaemon
import Foundation

/// The figures of `csiloc bench soak` (``SoakBenchmark``): what was offered, the daemon's counters over the soak,
/// the accounting checks, the resident set, and what the daemon survived. `--json` writes it with ``ReportJSON``.
public struct SoakReport: Codable, Sendable, Equatable {
    /// What the publisher offered.
    public struct Offered: Codable, Sendable, Equatable {
        /// Valid frames (receiver 1, consecutive `seq`), the closing marker included.
        public var valid: Int
        /// Malformed messages by kind (``SoakBenchmark/MalformedKind`` raw values).
        public var malformed: [String: Int]
        /// `zmq_send` failures (a PUB never blocks; expected 0).
        public var publishErrors: Int
        /// Wall time of the paced offer, s, and the rate achieved, messages/s.
        public var seconds: Double
        public var rate: Double

        /// Every message offered.
        public var total: Int { valid + malformed.values.reduce(0, +) }
        /// Malformed messages the daemon can receive (topic subscribed).
        public var malformedReachingDaemon: Int {
            malformed.filter { SoakBenchmark.MalformedKind(rawValue: $0.key)?.reachesDaemon ?? true }.values.reduce(
                0, +)
        }
        /// Filtered by the subscription before the daemon.
        public var unsubscribed: Int { total - valid - malformedReachingDaemon }
    }

    /// The daemon's counters over the soak (end minus the start of the soak).
    public struct DaemonCounters: Codable, Sendable, Equatable {
        public var received, decoded, processed, superseded, dropped, rejected: Int
        public var rejectedByReason: [String: Int]
        /// Frames missing from receiver 1's `seq` (`csilocd_sequence_gap_frames_total`).
        public var sequenceGapFrames: Int
        public var published, publishErrors: Int
        /// Still queued or in a worker at the end (0 once drained).
        public var queued, inFlight: Int

        init(base: DaemonMetrics.Snapshot, end: DaemonMetrics.Snapshot) {
            received = end.received - base.received
            decoded = end.decoded - base.decoded
            processed = end.processed - base.processed
            superseded = end.superseded - base.superseded
            dropped = end.dropped - base.dropped
            rejected = end.rejected - base.rejected
            var reasons: [String: Int] = [:]
            for (reason, n) in end.rejectedByReason where n - base.rejectedByReason[reason, default: 0] > 0 {
                reasons[reason] = n - base.rejectedByReason[reason, default: 0]
            }
            rejectedByReason = reasons
            sequenceGapFrames = end.sequenceGaps - base.sequenceGaps
            published = end.published - base.published
            publishErrors = end.publishErrors - base.publishErrors
            queued = end.queued
            inFlight = end.inFlight
        }
    }

    /// One resident-set sample of this process (daemon + the in-process publisher and subscribers).
    public struct RSSSample: Codable, Sendable, Equatable {
        /// Messages offered before the sample.
        public var message: Int
        public var seconds: Double
        public var rssKiB: Int
    }

    /// The resident set over the soak.
    public struct Memory: Codable, Sendable, Equatable {
        public var samples: [RSSSample]
        /// Samples before this many messages are warm-up.
        public var warmUpMessages: Int

        var steady: [RSSSample] { samples.filter { $0.message >= warmUpMessages } }
        /// First, last and largest sample after warm-up, KiB (0 without samples).
        public var firstKiB: Int { steady.first?.rssKiB ?? 0 }
        public var lastKiB: Int { steady.last?.rssKiB ?? 0 }
        public var maxKiB: Int { steady.map(\.rssKiB).max() ?? 0 }
        /// After warm-up, no sample more than 10 % above the first.
        public var flatWithin10Percent: Bool { firstKiB > 0 && Double(maxKiB) <= 1.1 * Double(firstKiB) }
    }

    /// The publisher closed and reopened at `atMessage`.
    public struct PublisherRestart: Codable, Sendable, Equatable {
        public var atMessage: Int
        /// Frames the daemon processed in the soak before and after the restart.
        public var processedBefore = 0, processedAfter = 0
    }

    /// A position subscriber that read the fixes until `atMessage`, then stopped reading (its socket stays open).
    public struct StalledSubscriber: Codable, Sendable, Equatable {
        public var atMessage: Int
        public var readBeforeStall = 0
        /// Fixes the daemon published and the live subscriber received, counted from the stall.
        public var publishedAtStall = 0, publishedAfterStall = 0
        public var liveFixesAtStall = 0, liveFixesAfterStall = 0
        /// This process's resident set when the subscriber stopped reading, KiB.
        public var rssAtStallKiB = 0
    }

    /// Whether the daemon kept serving.
    public struct Survival: Codable, Sendable, Equatable {
        /// The last valid frame, sent after the run, came back as a fix.
        public var markerAnswered: Bool
        /// Queue and workers empty and no message arriving at the end.
        public var drained: Bool
        /// The watchdog's view (`Pipeline.isMakingProgress`).
        public var makingProgress: Bool
        /// Fixes the live subscriber received during the soak.
        public var liveFixes: Int
        public var restart: PublisherRestart
        public var stalledSubscriber: StalledSubscriber

        public var survived: Bool {
            markerAnswered && drained && makingProgress && restart.processedAfter > 0
                && stalledSubscriber.publishedAfterStall > 0 && stalledSubscriber.liveFixesAfterStall > 0
        }
    }

    /// The verdicts and RSS summary, stored so that `--json` carries them (``SoakReport/summarized()``).
    public struct Checks: Codable, Sendable, Equatable {
        public var survived = false, daemonIdentityHolds = false, offeredAccountedFor = false
        public var rejectionsAsExpected = false, rssFlatWithin10Percent = false, passed = false
        public var lostInZeroMQ = 0
        public var rssFirstKiB = 0, rssLastKiB = 0, rssMaxKiB = 0

        public init() {}
    }

    public var scene: String
    /// `[n_ant, n_sc]` of the frames.
    public var shape: [Int]
    public var workers: Int
    /// Closed-loop frames/s, and the offered rate it led to (× `overload`), messages/s.
    public var capacityRate: Double
    public var targetRate: Double
    public var overload: Double
    public var offered: Offered
    public var daemon: DaemonCounters
    public var rss: Memory
    public var survival: Survival
    public var checks = Checks()

    /// The report with ``checks`` filled in from the figures.
    public func summarized() -> SoakReport {
        var r = self
        r.checks.survived = survival.survived
        r.checks.daemonIdentityHolds = daemonIdentityHolds
        r.checks.offeredAccountedFor = offeredAccountedFor
        r.checks.rejectionsAsExpected = rejectionsAsExpected
        r.checks.rssFlatWithin10Percent = rss.flatWithin10Percent
        r.checks.lostInZeroMQ = lostInZeroMQ
        r.checks.rssFirstKiB = rss.firstKiB
        r.checks.rssLastKiB = rss.lastKiB
        r.checks.rssMaxKiB = rss.maxKiB
        r.checks.passed =
            r.checks.survived && daemonIdentityHolds && offeredAccountedFor && rejectionsAsExpected
            && rss.flatWithin10Percent
        return r
    }

    /// Received messages lost nowhere: every one processed, superseded, dropped or rejected.
    public var daemonIdentityHolds: Bool {
        daemon.queued == 0 && daemon.inFlight == 0
            && daemon.received == daemon.processed + daemon.superseded + daemon.dropped + daemon.rejected
    }

    /// Messages lost inside ZeroMQ (publisher high-water mark, restart): offered to the subscription, not received.
    public var lostInZeroMQ: Int { offered.total - offered.unsubscribed - daemon.received }

    /// Malformed messages that reached the subscription but not the daemon: ZeroMQ's losses that are not gaps in
    /// receiver 1's `seq`.
    public var malformedLostInZeroMQ: Int { lostInZeroMQ - daemon.sequenceGapFrames }

    /// Every valid frame offered was received (and not rejected) or is a sequence gap; every malformed message was
    /// received and rejected or lost in ZeroMQ (never localized). With R received, J rejected, G gap frames, V valid
    /// and M malformed offered to the subscription: R − J + G = V, and L = ``malformedLostInZeroMQ`` lies in
    /// [0, M]; the third term, J = M − L, follows from the first. The totals alone cannot tell a wrongly rejected
    /// valid frame (a gap) from a lost one: ``rejectionsAsExpected`` checks the reasons.
    public var offeredAccountedFor: Bool {
        let validReceived = daemon.received - daemon.rejected
        let malformedLost = malformedLostInZeroMQ
        return validReceived + daemon.sequenceGapFrames == offered.valid
            && malformedLost >= 0 && malformedLost <= offered.malformedReachingDaemon
            && daemon.rejected == offered.malformedReachingDaemon - malformedLost
    }

    /// Every rejection under the reason of a malformed kind offered, and per kind as many as its messages can
    /// explain: with n_k messages of kind k offered to the subscription, L malformed lost in ZeroMQ
    /// (``malformedLostInZeroMQ``) and j_k rejections under k's reason, n_k − L ≤ j_k ≤ n_k and j_k > 0 when
    /// n_k > 0; J > 0 when any malformed message reached the subscription. A valid frame rejected under a reason
    /// of no malformed kind offered (`shape_mismatch`, or `non_finite_sample` without NaN messages) or beyond a
    /// kind's count fails; one under a malformed kind's reason within its count, with a message of that kind lost
    /// in ZeroMQ, is indistinguishable from a lost valid frame (docs/daemon.md, "Soak").
    public var rejectionsAsExpected: Bool {
        var offeredByReason: [String: Int] = [:]
        for (name, n) in offered.malformed {
            // An unknown kind cannot be attributed to a reason: the check cannot pass.
            guard let kind = SoakBenchmark.MalformedKind(rawValue: name) else { return false }
            if let reason = kind.expectedReason { offeredByReason[reason, default: 0] += n }
        }
        if offered.malformedReachingDaemon > 0 && daemon.rejected <= 0 { return false }
        guard daemon.rejectedByReason.values.reduce(0, +) == daemon.rejected else { return false }
        // A reason no malformed message offered can explain (a valid frame's reason among them).
        guard Set(daemon.rejectedByReason.keys).isSubset(of: offeredByReason.keys) else { return false }
        let lost = max(0, malformedLostInZeroMQ)
        for (reason, n) in offeredByReason where n > 0 {
            let rejected = daemon.rejectedByReason[reason, default: 0]
            guard rejected > 0, rejected <= n, rejected >= n - lost else { return false }
        }
        return true
    }
}
