import Dispatch

/// Data-parallel loops over index ranges, used by every batch job (simulation, evaluation, search).
///
/// Work is cut into contiguous chunks; each chunk runs on one thread, so per-chunk scratch buffers are
/// allocated once per chunk, not per item. Results must be written to disjoint locations.
public enum Parallel {
    /// Number of worker threads used by default: the number of active CPUs.
    public static var defaultWidth: Int { max(1, ProcessInfoCPU.activeCount) }

    /// Runs `body(range)` for contiguous sub-ranges of `0..<count`, at most `width` at a time.
    /// `minChunk` keeps tiny chunks from drowning in scheduling overhead.
    public static func forEachChunk(
        count: Int, width: Int = Parallel.defaultWidth, minChunk: Int = 1,
        _ body: @Sendable (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let width = max(1, width)
        // A few chunks per thread balances uneven work without much overhead.
        let target = width == 1 ? 1 : width * 4
        let chunk = max(minChunk, (count + target - 1) / target)
        let chunks = (count + chunk - 1) / chunk
        if chunks == 1 || width == 1 {
            var start = 0
            while start < count { body(start..<min(count, start + chunk)); start += chunk }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * chunk
            body(lo..<min(count, lo + chunk))
        }
    }
}

/// The CPU count the process may use.
enum ProcessInfoCPU {
    static var activeCount: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
