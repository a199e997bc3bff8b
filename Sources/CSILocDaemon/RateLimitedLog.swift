import Logging
import Synchronization

/// Logs at most one line per key (e.g. a rejection reason) per interval, then says how many it held back.
///
/// A broken or hostile feed can send thousands of bad frames per second; logging each would fill the
/// journal and cost more CPU than rejecting them. Counting stays exact in the metrics; the log shows the
/// first occurrence with its details, and a summary of what followed.
final class RateLimitedLog: Sendable {
    private struct Entry {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    private let interval: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(intervalSeconds: Double) {
        interval = .milliseconds(Int64(intervalSeconds * 1000))
    }

    /// Logs `message` unless `key` was logged less than an interval ago.
    func log(
        _ logger: Logger, level: Logger.Level, key: String, _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        let now = ContinuousClock.now
        let suppressed: Int? = entries.withLock { table in
            if var e = table[key], now - e.lastLogged < interval {
                e.suppressed += 1
                table[key] = e
                return nil
            }
            let held = table[key]?.suppressed ?? 0
            table[key] = Entry(lastLogged: now, suppressed: 0)
            return held
        }
        guard let suppressed else { return }
        var meta = metadata()
        meta["reason"] = .string(key)
        if suppressed > 0 { meta["suppressed_since_last"] = .stringConvertible(suppressed) }
        logger.log(level: level, message(), metadata: meta)
    }
}
