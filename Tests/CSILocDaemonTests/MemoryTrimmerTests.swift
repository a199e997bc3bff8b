import Dispatch
import Foundation
import Synchronization
import Testing

@testable import CSILocDaemon

/// The pipeline's trims of freed memory: rate-limited, off the caller's thread, never two at once
/// (docs/daemon.md, "Memory ceiling").
struct MemoryTrimmerTests {
    /// 4 threads × 500 requests within one (long) interval start exactly one trim.
    @Test func aBurstOfRequestsStartsOneTrim() {
        let calls = Atomic(0)
        let trimmer = MemoryTrimmer(minimumInterval: .seconds(60)) { calls.add(1, ordering: .relaxed) }
        let started = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<500 where trimmer.request() { started.add(1, ordering: .relaxed) }
        }
        #expect(waitUntil(timeout: .seconds(10)) { calls.load(ordering: .relaxed) == 1 })
        Thread.sleep(forTimeInterval: 0.05)
        #expect(started.load(ordering: .relaxed) == 1)
        #expect(calls.load(ordering: .relaxed) == 1 && trimmer.count == 1)
    }

    /// Once the interval has passed (and the trim finished), the next request trims again.
    @Test func aRequestAfterTheIntervalTrimsAgain() {
        let calls = Atomic(0)
        let trimmer = MemoryTrimmer(minimumInterval: .milliseconds(20)) { calls.add(1, ordering: .relaxed) }
        #expect(trimmer.request())
        #expect(waitUntil(timeout: .seconds(10)) { calls.load(ordering: .relaxed) == 1 })
        Thread.sleep(forTimeInterval: 0.03)
        #expect(trimmer.request())
        #expect(waitUntil(timeout: .seconds(10)) { calls.load(ordering: .relaxed) == 2 })
    }

    /// A request returns while its trim still runs (the receive thread never waits for it), and no second trim
    /// starts meanwhile, even after the interval.
    @Test func aRequestDoesNotWaitAndTrimsDoNotOverlap() async throws {
        let gate = DispatchSemaphore(value: 0)
        let inside = Atomic(0), most = Atomic(0)
        let trimmer = MemoryTrimmer(minimumInterval: .milliseconds(1)) {
            let n = inside.add(1, ordering: .relaxed).newValue
            _ = most.max(n, ordering: .relaxed)
            gate.wait()
            inside.subtract(1, ordering: .relaxed)
        }
        #expect(trimmer.request())
        #expect(waitUntil(timeout: .seconds(10)) { inside.load(ordering: .relaxed) == 1 })
        try await Task.sleep(for: .milliseconds(10))
        #expect(!trimmer.request()) // the first still runs
        async let awaited: Void = trimmer.trimAndWait() // waits for the first, then trims
        try await Task.sleep(for: .milliseconds(20))
        #expect(trimmer.count == 1)
        gate.signal()
        #expect(waitUntil(timeout: .seconds(10)) { trimmer.count == 2 })
        gate.signal()
        await awaited
        #expect(most.load(ordering: .relaxed) == 1 && inside.load(ordering: .relaxed) == 0 && trimmer.count == 2)
    }
}
