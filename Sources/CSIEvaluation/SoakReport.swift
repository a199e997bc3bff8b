import CSILocDaemon
import Foundation

/// The figures of `csiloc bench soak` (``SoakBenchmark``): what was offered, the daemon's counters over the soak,
/// the accounting checks, the resident set, and what the daemon survived. `--json` writes it with ``ReportJSON``.
public struct SoakReport: Codable, Sendable, Equatable {
    /// What the publisher offered.
    public struct Offered: Codable, Sendable, Equatable {
        /// Valid frames (receiver 1, consecutive `seq`), the closing marker included.
        var valid: Int
        /// Malformed messages by kind (``SoakBenchmark/MalformedKind`` raw values).
        var malformed: [String: Int]
        /// `zmq_send` failures (a PUB never blocks; expected 0).
        var publishErrors: Int
        /// Wall time of the paced offer, s, and the rate achieved, messages/s.
        public var seconds: Double
        var rate: Double

        /// Every message offered.
        var total: Int { valid + malformed.values.reduce(0, +) }
        /// Malformed messages the daemon can receive (topic subscribed).
        var malformedReachingDaemon: Int {
            malformed.filter { SoakBenchmark.MalformedKind(rawValue: $0.key)?.reachesDaemon ?? true }.values.reduce(
                0, +)
        }
        /// Filtered by the subscription before the daemon.
        var unsubscribed: Int { total - valid - malformedReachingDaemon }
    }

    /// The daemon's counters over the soak (end minus the start of the soak).
    public struct DaemonCounters: Codable, Sendable, Equatable {
        package var received, decoded, processed, superseded, dropped, rejected: Int
        var rejectedByReason: [String: Int]
        /// Frames missing from receiver 1's `seq` (`csilocd_sequence_gap_frames_total`).
        var sequenceGapFrames: Int
        package var published, publishErrors: Int
        /// Still queued or in a worker at the end (0 once drained).
        package var queued, inFlight: Int

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
    package struct RSSSample: Codable, Sendable, Equatable {
        /// Messages offered before the sample.
        package var message: Int
        package var seconds: Double
        var rssKiB: Int
    }

    /// The resident set over the soak.
    struct Memory: Codable, Sendable, Equatable {
        var samples: [RSSSample]
        /// Samples before this many messages are warm-up.
        var warmUpMessages: Int

        var steady: [RSSSample] { samples.filter { $0.message >= warmUpMessages } }
        /// First, last and largest sample after warm-up, KiB (0 without samples).
        var firstKiB: Int { steady.first?.rssKiB ?? 0 }
        var lastKiB: Int { steady.last?.rssKiB ?? 0 }
        var maxKiB: Int { steady.map(\.rssKiB).max() ?? 0 }
        /// After warm-up, no sample more than 10 % above the first.
        var flatWithin10Percent: Bool { firstKiB > 0 && Double(maxKiB) <= 1.1 * Double(firstKiB) }
    }

    /// The publisher closed and reopened at `atMessage`.
    struct PublisherRestart: Codable, Sendable, Equatable {
        var atMessage: Int
        /// Frames the daemon processed in the soak before and after the restart.
        var processedBefore = 0, processedAfter = 0
    }

    /// A position subscriber that read the fixes until `atMessage`, then stopped reading (its socket stays open).
    struct StalledSubscriber: Codable, Sendable, Equatable {
        var atMessage: Int
        var readBeforeStall = 0
        /// Fixes the daemon published and the live subscriber received, counted from the stall.
        var publishedAtStall = 0, publishedAfterStall = 0
        var liveFixesAtStall = 0, liveFixesAfterStall = 0
        /// This process's resident set when the subscriber stopped reading, KiB.
        var rssAtStallKiB = 0
    }

    /// Whether the daemon kept serving.
    struct Survival: Codable, Sendable, Equatable {
        /// The last valid frame, sent after the run, came back as a fix.
        var markerAnswered: Bool
        /// Queue and workers empty and no message arriving at the end.
        var drained: Bool
        /// The watchdog's view (`Pipeline.isMakingProgress`).
        var makingProgress: Bool
        /// Fixes the live subscriber received during the soak.
        var liveFixes: Int
        var restart: PublisherRestart
        var stalledSubscriber: StalledSubscriber

        var survived: Bool {
            markerAnswered && drained && makingProgress && restart.processedAfter > 0
                && stalledSubscriber.publishedAfterStall > 0 && stalledSubscriber.liveFixesAfterStall > 0
        }
    }

    /// The verdicts and RSS summary, stored so that `--json` carries them (``SoakReport/summarized()``).
    struct Checks: Codable, Sendable, Equatable {
        var survived = false, daemonIdentityHolds = false, offeredAccountedFor = false
        var rejectionsAsExpected = false, rssFlatWithin10Percent = false, passed = false
        var lostInZeroMQ = 0
        var rssFirstKiB = 0, rssLastKiB = 0, rssMaxKiB = 0

        init() {}
    }

    /// Name of the scene.
    public var scene: String
    /// `[n_ant, n_sc]` of the frames.
    package var shape: [Int]
    package var workers: Int
    /// Closed-loop frames/s, and the offered rate it led to (× `overload`), messages/s.
    var capacityRate: Double
    var targetRate: Double
    /// Factor by which the offered rate exceeds the measured capacity.
    public var overload: Double
    var offered: Offered
    /// The daemon's counters over the soak.
    public var daemon: DaemonCounters
    var rss: Memory
    var survival: Survival
    var checks = Checks()

    /// The report with ``checks`` filled in from the figures.
    func summarized() -> SoakReport {
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
    var daemonIdentityHolds: Bool {
        daemon.queued == 0 && daemon.inFlight == 0
            && daemon.received == daemon.processed + daemon.superseded + daemon.dropped + daemon.rejected
    }

    /// Messages lost inside ZeroMQ (publisher high-water mark, restart): offered to the subscription, not received.
    var lostInZeroMQ: Int { offered.total - offered.unsubscribed - daemon.received }

    /// Malformed messages that reached the subscription but not the daemon: ZeroMQ's losses that are not gaps in
    /// receiver 1's `seq`.
    var malformedLostInZeroMQ: Int { lostInZeroMQ - daemon.sequenceGapFrames }

    /// Every valid frame offered was received (and not rejected) or is a sequence gap; every malformed message was
    /// received and rejected or lost in ZeroMQ (never localized). With R received, J rejected, G gap frames, V valid
    /// and M malformed offered to the subscription: R − J + G = V, and L = ``malformedLostInZeroMQ`` lies in
    /// [0, M]; the third term, J = M − L, follows from the first. The totals alone cannot tell a wrongly rejected
    /// valid frame (a gap) from a lost one: ``rejectionsAsExpected`` checks the reasons.
    var offeredAccountedFor: Bool {
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
    var rejectionsAsExpected: Bool {
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
