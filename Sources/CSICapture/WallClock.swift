#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `CLOCK_REALTIME` in nanoseconds since the Unix epoch: the clock of `t_recv_ns` in capture files and of
/// the wire protocol's timestamps.
enum WallClock {
    /// Now, ns since the Unix epoch.
    static func nowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}
