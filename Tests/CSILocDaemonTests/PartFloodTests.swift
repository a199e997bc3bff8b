import CSIWire
import Foundation
import Testing

@testable import CSILocDaemon

/// A message with far more parts than protocol v1 uses (libzmq bounds each part, never their number) is drained
/// and dropped under its own reason, and the daemon keeps serving (docs/daemon.md, "Memory ceiling").
@Suite(.serialized)
struct PartFloodTests {
    @Test func manyPartMessagesAreCountedDroppedAndSurvived() async throws {
        let harness = try await onThread { try Harness("parts") { _ in testConfigYAML(perUE: 16) } }
        defer { harness.close() }
        let before = harness.snapshot()
        let frames = TinyFrames.make(count: 2, receiver: 2, ue: 7, firstSeq: 500)
        let good = TinyFrames.parts(frames[0])
        // A subscribed topic, then thousands of empty parts; one just over the limit; one at it (a v1 decoder
        // matter: wrong_part_count).
        let flood = [good[0]] + [[UInt8]](repeating: [], count: 5_000) + [[1]]
        let justOver = good + [[UInt8]](repeating: [0], count: Pipeline.maxParts + 1 - good.count)
        let atLimit = good + [[UInt8]](repeating: [0], count: Pipeline.maxParts - good.count)
        #expect(justOver.count == Pipeline.maxParts + 1 && atLimit.count == Pipeline.maxParts)
        harness.send(parts: flood)
        harness.send(parts: justOver)
        harness.send(parts: atLimit)
        harness.send(frames[0])
        harness.send(parts: flood)
        harness.send(frames[1])
        let served = try await onThread {
            waitUntil(timeout: .seconds(30)) { Set(harness.received.map(\.seq)).isSuperset(of: [500, 501]) }
        }
        #expect(served)
        let after = harness.snapshot()
        func delta(_ reason: String) -> Int {
            after.rejectedByReason[reason, default: 0] - before.rejectedByReason[reason, default: 0]
        }
        #expect(delta("too_many_parts") == 3)
        #expect(delta("wrong_part_count") == 1)
        #expect(delta("oversized") == 0)
        #expect(after.received - before.received == 6)
        #expect(after.processed - before.processed == 2)
        let text = String(decoding: harness.daemon.metrics.exposition(), as: UTF8.self)
        #expect(text.contains("csilocd_frames_rejected_total{reason=\"too_many_parts\"} 3"))
    }

    /// A burst of messages of `Pipeline.trimAfterParts` parts each (each ≈ 32 KB on the wire) asks for a trim per
    /// message; the pipeline starts at most one a second, off the receive thread.
    @Test func aBurstOfManyPartMessagesTrimsAtMostOnceASecond() async throws {
        let harness = try await onThread { try Harness("trim") { _ in testConfigYAML(perUE: 16) } }
        defer { harness.close() }
        let before = harness.snapshot()
        let trimsBefore = harness.daemon.pipeline.trimmer.count
        let frames = TinyFrames.make(count: 1, receiver: 2, ue: 7, firstSeq: 900)
        let good = TinyFrames.parts(frames[0])
        let many = [good[0]] + [[UInt8]](repeating: [0], count: Pipeline.trimAfterParts - 1)
        #expect(many.count == Pipeline.trimAfterParts)
        let start = ContinuousClock.now
        let burst = 12
        for _ in 0..<burst { harness.send(parts: many) }
        harness.send(frames[0])
        let served = try await onThread {
            waitUntil(timeout: .seconds(60)) { harness.received.contains { $0.seq == 900 } }
        }
        let elapsed = ContinuousClock.now - start
        #expect(served)
        let after = harness.snapshot()
        #expect(
            after.rejectedByReason["too_many_parts", default: 0] - before.rejectedByReason["too_many_parts", default: 0]
                == burst)
        let trims = harness.daemon.pipeline.trimmer.count - trimsBefore
        // One at the first message, then at most one per second of the burst.
        #expect(trims >= 1 && trims <= 1 + Int(elapsed.components.seconds))
        #expect(trims < burst)
    }

    /// The resident-set reader behind the memory reclaim agrees with the kernel's own `VmRSS` line.
    @Test func residentBytesMatchesProcStatus() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kib = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        let bytes = try #require(residentBytes())
        // Both read within microseconds of each other; allow for allocation by concurrent tests.
        #expect(abs(bytes - kib * 1024) < 64 << 20)
        returnFreedMemory()
        #expect((residentBytes() ?? 0) > 0)
    }
}
