import Foundation

/// The text report of `csiloc bench soak`.
extension SoakReport {
    /// Offer, daemon counters, accounting, RSS, survival; one verdict line last.
    public var lines: [String] {
        let mib = { (kib: Int) in String(format: "%.1f MiB", Double(kib) / 1024) }
        let malformed = offered.malformed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
            separator: ", ")
        let reasons = daemon.rejectedByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
            separator: ", ")
        let r = survival.restart, s = survival.stalledSubscriber
        return [
            String(
                format:
                    "offered: %d messages in %.1f s (%.0f/s; capacity %.0f frames/s × %.1f): %d valid frames, malformed: %@; publish errors %d",
                offered.total, offered.seconds, offered.rate, capacityRate, overload, offered.valid, malformed,
                offered.publishErrors),
            "daemon: received \(daemon.received), decoded \(daemon.decoded), processed \(daemon.processed), superseded \(daemon.superseded), dropped \(daemon.dropped), rejected \(daemon.rejected) (\(reasons)); sequence gaps \(daemon.sequenceGapFrames) frames; published \(daemon.published), publish errors \(daemon.publishErrors)",
            "accounting: received = processed + superseded + dropped + rejected: \(daemonIdentityHolds ? "yes" : "NO"); lost in ZeroMQ (publisher HWM, restart) \(lostInZeroMQ), filtered by the subscription \(offered.unsubscribed); valid frames = received valid + gaps and malformed = rejected + lost: \(offeredAccountedFor ? "yes" : "NO"); rejections per reason within each malformed kind's count (n − lost ≤ j ≤ n, j > 0): \(rejectionsAsExpected ? "yes" : "NO")",
            String(
                format:
                    "RSS after warm-up (%d messages, %d samples): first %@, last %@, max %@ (%+.1f %%): flat within 10 %%: %@",
                rss.warmUpMessages, rss.steady.count, mib(rss.firstKiB), mib(rss.lastKiB), mib(rss.maxKiB),
                rss.firstKiB > 0 ? 100 * (Double(rss.maxKiB) / Double(rss.firstKiB) - 1) : .nan,
                rss.flatWithin10Percent ? "yes" : "NO"),
            "publisher restart at message \(r.atMessage): processed \(r.processedBefore) before, \(r.processedAfter) after",
            "stalled subscriber from message \(s.atMessage) (read \(s.readBeforeStall) fixes, then none; RSS then \(mib(s.rssAtStallKiB))): published after the stall \(s.publishedAfterStall), live subscriber received \(s.liveFixesAfterStall) after it",
            "survived: \(survival.survived ? "yes" : "NO") (last frame answered: \(survival.markerAnswered), drained: \(survival.drained), making progress: \(survival.makingProgress), live fixes \(survival.liveFixes))",
        ]
    }

    /// All checks: survived, counters add up, memory flat.
    public var passed: Bool { summarized().checks.passed }
}
