import Foundation
import Synchronization

/// Runs `malloc_trim(0)` (``returnFreedMemory()``) off the caller's thread, at most once per `minimumInterval`
/// and never two at once.
///
/// The receive thread asks for a trim after each drained many-part message (``Pipeline/trimAfterParts``); a trim
/// walks every arena under its lock, so running one per message would stall receiving and the workers' `malloc`
/// for the whole of a stream of such messages. A request while a trim runs or within `minimumInterval` of the
/// last one's start is dropped (the next trim returns that memory too). ``MemoryReclaimService`` trims through
/// ``trimAndWait()``, on this trimmer's thread, so the concurrency pool is never blocked (docs/daemon.md,
/// "Memory ceiling").
final class MemoryTrimmer: Sendable {
    /// Shortest time between the starts of two requested trims, ns.
    let minimumIntervalNs: Int64
    private let trim: @Sendable () -> Void
    /// Monotonic ns of the last requested trim's start; `Int64.min` before the first.
    private let lastStartNs = Atomic<Int64>(.min)
    private let running = Atomic(false)
    private let trims = Atomic(0)

    /// - Parameters:
    ///   - minimumInterval: at least 1 ms (a non-positive interval would disable the rate limit).
    ///   - trim: the work of one trim (tests count calls); ``returnFreedMemory()`` by default.
    init(minimumInterval: Duration = .seconds(1), trim: @escaping @Sendable () -> Void = returnFreedMemory) {
        let c = minimumInterval.components
        let ns = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        minimumIntervalNs = ns.overflow ? .max : max(1_000_000, ns.partialValue &+ c.attoseconds / 1_000_000_000)
        self.trim = trim
    }

    /// Trims started so far (requested and awaited).
    var count: Int { trims.load(ordering: .relaxed) }

    /// Starts a trim on its own thread unless one runs or one was requested less than `minimumInterval` ago;
    /// returns at once, whether a trim was started.
    @discardableResult
    func request() -> Bool {
        let now = monotonicNanoseconds()
        let last = lastStartNs.load(ordering: .relaxed)
        guard last == .min || now - last >= minimumIntervalNs else { return false }
        guard lastStartNs.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else {
            return false
        }
        guard !running.exchange(true, ordering: .acquiring) else { return false }
        let thread = Thread { [self] in runTrim() }
        thread.name = "csilocd-trim"
        thread.start()
        return true
    }

    /// Trims on a thread of its own (after a running trim, if any) and returns when it is done; not rate
    /// limited (the caller paces itself).
    func trimAndWait() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                // Wait out a requested trim rather than run two at once.
                while running.exchange(true, ordering: .acquiring) { usleep(1_000) }
                runTrim()
                done.resume()
            }
            thread.name = "csilocd-trim"
            thread.start()
        }
    }

    /// Runs one trim; the caller holds `running`, released here.
    private func runTrim() {
        trims.add(1, ordering: .relaxed)
        trim()
        running.store(false, ordering: .releasing)
    }
}
