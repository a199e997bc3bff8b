import Foundation

/// Waiting on a condition of running daemons in the benchmarks.
enum Polling {
    /// Whether `condition` became true within `seconds` (checked, then `pause`d, until then; once more at the end).
    static func waitUntil(seconds: Double, _ condition: () -> Bool, pause: () -> Void = { usleep(10_000) }) -> Bool {
        let t0 = ContinuousClock.now
        while ProcessStatistics.seconds(since: t0) < seconds {
            if condition() { return true }
            pause()
        }
        return condition()
    }
}
