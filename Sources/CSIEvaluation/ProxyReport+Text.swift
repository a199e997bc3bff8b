import Foundation

/// The text report of `csiloc bench proxy`.
extension ProxyReport {
    /// Offer, one line per daemon, the site, the accounting; one verdict line last.
    public var lines: [String] {
        let yes = { (ok: Bool) in ok ? "yes" : "NO" }
        let ms = { (p: Percentiles) in String(format: "p50 %.2f, p99 %.2f ms", p.p50, p.p99) }
        var lines = [
            String(
                format:
                    "offered: %d frames in %.2f s (%.0f/s; target %.0f/s = %.2f × one daemon's %.0f frames/s, %@) to %d daemons × %d workers on %d cores, %d UEs each; feed errors %d",
                offered.frames, offered.seconds, offered.rate, targetRate, load, capacity.rate,
                capacity.measuredFrames > 0
                    ? String(
                        format: "closed loop over %d frames, latency_ms p50 %.2f", capacity.measuredFrames,
                        capacity.latencyP50Ms)
                    : "given",
                daemons.count, workersPerDaemon, cores, uesPerDaemon, offered.feedErrors)
        ]
        for d in daemons {
            let c = d.counters
            lines.append(
                "daemon \(d.receiver): sent \(d.sent), received \(c.received) (lost in ZeroMQ \(d.lostInZeroMQ), sequence gaps \(c.sequenceGapFrames)) = processed \(c.processed) + superseded \(c.superseded) + dropped \(c.dropped) + rejected \(c.rejected); published \(c.published) (publish errors \(c.publishErrors)); through the proxy \(d.throughProxy), duplicates \(d.duplicates), published but not received \(d.publishedNotReceived); latency_ms \(ms(d.latencyMs)), feed → consumer \(ms(d.endToEndMs))"
            )
        }
        let proxy =
            site.proxy.map { "proxy received \($0.received), forwarded \($0.forwarded)" }
            ?? "proxy counters unavailable"
        lines.append(
            String(
                format:
                    "site: %d fixes through the proxy in %.2f s = %.0f fixes/s (%.2f × one daemon's capacity); %@; latency_ms %@, feed → consumer %@; probe fixes %d, foreign %d, undecodable %d",
                site.throughProxy, site.seconds, site.fixRate, site.fixRate / capacity.rate, proxy, ms(site.latencyMs),
                ms(site.endToEndMs), site.probes, site.foreign, site.undecodable))
        lines.append(
            "accounting: sent \(checks.sent) = received + lost in ZeroMQ \(checks.lostInZeroMQ); superseded \(checks.superseded) (latest wins per UE), dropped \(checks.dropped), rejected \(checks.rejected); published \(checks.published); every frame accounted for (drained, received = processed + superseded + dropped + rejected, processed = published + publish errors): \(yes(checks.everyFrameAccountedFor))"
        )
        lines.append(
            "verdict: every published fix received through the proxy: \(yes(checks.everyPublishedFixArrived)) (\(checks.publishedNotReceived) missing); exactly once: \(yes(checks.noDuplicates)) (\(checks.duplicates) duplicates); nothing foreign: \(yes(checks.nothingForeign)) → \(checks.passed ? "PASS" : "FAIL")"
        )
        return lines
    }
}
