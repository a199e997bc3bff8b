import CSISearch
import CSIWire
import Foundation
import Testing

@testable import CSILocDaemon

/// SIGHUP's reload (good and bad configurations) and SIGTERM's drain, driven in-process.
@Suite(.serialized)
struct ReloadAndShutdownTests {
    @Test func reloadSwapsOnSuccessAndKeepsTheOldOnError() async throws {
        let harness = try await onThread { try Harness("reload") { _ in testConfigYAML(perUE: 64) } }
        defer { harness.close() }
        #expect(harness.daemon.pipeline.currentModel.generation == 1)

        // Good: another method.
        try testConfigYAML(perUE: 64, method: "ongrid-ps").write(
            toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(await harness.daemon.reload())
        #expect(harness.daemon.pipeline.currentModel.generation == 2)
        #expect(harness.daemon.configuration.search.method == .ongridPS)
        #expect(harness.daemon.pipeline.currentModel.localizer.configuration.refinement == .none)

        // Bad: unknown key, then a missing scene. The running configuration stays.
        try (testConfigYAML(perUE: 64) + "\nbogus: 1\n").write(
            toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(await harness.daemon.reload() == false)
        try testConfigYAML(perUE: 64, scene: "/nonexistent/scene.yaml").write(
            toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(await harness.daemon.reload() == false)
        #expect(harness.daemon.pipeline.currentModel.generation == 2)
        #expect(harness.daemon.configuration.search.method == .ongridPS)
        let s = harness.snapshot()
        #expect(s.reloadsOK == 1 && s.reloadsFailed == 2)

        // Still serving, with the reloaded model (on-grid: status ok, error ≤ half the local step).
        let frame = TinyFrames.make(count: 1, receiver: 1, ue: 1, seed: 99)[0]
        harness.send(frame)
        let served = try await onThread {
            waitUntil(timeout: .seconds(20)) { harness.received.contains { $0.seq == frame.header.seq } }
        }
        #expect(served)
    }

    @Test func shutdownDrainsEveryAcceptedFrame() async throws {
        let harness = try await onThread { try Harness("drain") { _ in testConfigYAML(workers: 1, perUE: 1000) } }
        let baseline = harness.snapshot()
        let frames = (UInt32(1)...4).flatMap { TinyFrames.make(count: 50, receiver: $0, ue: $0, seed: UInt64($0)) }
        for f in frames { harness.send(f) }
        // Stop as soon as everything is accepted, while most frames are still queued.
        let accepted = try await onThread {
            waitUntil(timeout: .seconds(20)) { harness.snapshot().received - baseline.received == frames.count }
        }
        #expect(accepted)
        let queuedAtStop = harness.daemon.pipeline.queueDepth
        try await onThread { harness.daemon.stop() }
        let s = harness.snapshot()
        #expect(s.processed - baseline.processed == frames.count)
        #expect(s.outstanding == 0 && s.queued == 0)
        let delivered = try await onThread {
            waitUntil(timeout: .seconds(10)) { harness.received.count == frames.count }
        }
        #expect(delivered, "queued at stop: \(queuedAtStop), delivered \(harness.received.count) of \(frames.count)")
        #expect(Set(harness.received.map { "\($0.receiverID)/\($0.seq)" }).count == frames.count)
        harness.close()
    }
}
