import Foundation

/// CPU time and memory of this process and its threads, for the benchmarks.
///
/// Linux sources: `VmRSS` in `/proc/self/status` (KiB), and fields 14–15 (`utime`, `stime`, in clock ticks of
/// `sysconf(_SC_CLK_TCK)`) of `/proc/self/task/<tid>/stat`, whose `comm` (the thread name, ≤ 15 bytes) is read
/// from `/proc/self/task/<tid>/comm`. Elsewhere the /proc figures are 0.
package enum ProcessStatistics {
    /// User + system CPU time of the whole process, s (`getrusage`).
    package static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU time of the calling thread, s.
    package static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Summed user + system CPU time, s, of this process's threads whose name starts with `prefix`
    /// (e.g. `csilocd-`: the daemon's receive and worker threads).
    package static func cpuSeconds(ofThreadsNamed prefix: String) -> Double {
        cpuSecondsPerThread(named: prefix).values.reduce(0, +)
    }

    /// CPU time used since `start` (a ``cpuSecondsPerThread(named:)`` reading) by the threads named `prefix` that
    /// are alive now: threads that ended in between are left out rather than subtracted (another daemon of the
    /// same process, e.g. a concurrent test's, may end meanwhile), so the figure is never negative.
    package static func cpuSeconds(ofThreadsNamed prefix: String, since start: [Int: Double]) -> Double {
        cpuSecondsPerThread(named: prefix).reduce(0) { $0 + max(0, $1.value - (start[$1.key] ?? 0)) }
    }

    /// User + system CPU time, s, of each thread of this process whose name starts with `prefix`, by thread id.
    package static func cpuSecondsPerThread(named prefix: String) -> [Int: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var times: [Int: Double] = [:]
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
            guard let id = Int(tid),
                let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                comm.hasPrefix(prefix),
                let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                let fields = statFields(stat), fields.count > 12,
                let user = Double(fields[11]), let system = Double(fields[12])
            else { continue }
            times[id] = (user + system) / ticks
        }
        return times
    }

    /// The fields of a `stat` line after the `(comm)` field (which may contain spaces): field 3 (`state`) first.
    static func statFields(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// Resident set size of process `pid` (default: this one), KiB; 0 when unknown.
    package static func residentKiB(pid: String = "self") -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        return residentKiB(status: text)
    }

    /// The `VmRSS` figure of a `/proc/<pid>/status` text, KiB; 0 when absent.
    static func residentKiB(status text: String) -> Int {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count > 1 ? Int(fields[1]) ?? 0 : 0
    }

    /// Seconds from `start` to `now`.
    package static func seconds(since start: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> Double {
        let d = now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
