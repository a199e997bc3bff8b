import CSICapture
import CSIWire
import Foundation
import Testing
import ZMQ

/// Live round trips over real ZeroMQ sockets (ipc:// in /tmp): import → replay → record → replay → record.
@Suite("Record and replay over ZeroMQ")
struct RecordReplayTests {
    @Test("record → replay → record gives byte-identical message parts")
    func byteIdenticalRoundTrip() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try importCapture(syntheticDataset(count: 40), to: "\(dir)/a.csicap", rate: 400)
        let first = try await replayAndRecord(
            source: "\(dir)/a.csicap", output: "\(dir)/b.csicap",
            endpoint: ipcEndpoint(dir, "ab"), speed: .maximum, count: 40)
        #expect(first.replay.sent == 40)
        #expect(first.replay.subscriberSeen)
        #expect(first.record.records == 40)
        #expect(first.record.kind == .csi)
        let second = try await replayAndRecord(
            source: "\(dir)/b.csicap", output: "\(dir)/c.csicap",
            endpoint: ipcEndpoint(dir, "bc"), speed: .factor(4), count: 40)
        #expect(second.record.records == 40)
        let b = try CaptureReader(path: "\(dir)/b.csicap")
        let recorded = try b.readAll()
        let rerecorded = try CaptureReader(path: "\(dir)/c.csicap").readAll()
        #expect(recorded.map(\.parts) == original.map(\.parts))
        #expect(rerecorded.map(\.parts) == recorded.map(\.parts))
        #expect(b.metadata?.kind == .csi)
        #expect(b.metadata?.tool == "csiloc record")
        // Receive times are the recorder's clock, increasing.
        #expect(zip(recorded, recorded.dropFirst()).allSatisfy { $0.tRecvNs <= $1.tRecvNs })
    }

    @Test("--speed max and --speed 1 deliver identical frame sequences; speed 1 takes the recorded time")
    func speedsAgree() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 30 frames at 60 Hz: 29/60 ≈ 0.48 s of recorded time.
        let original = try importCapture(syntheticDataset(count: 30), to: "\(dir)/a.csicap", rate: 60)
        let fast = try await replayAndRecord(
            source: "\(dir)/a.csicap", output: "\(dir)/max.csicap",
            endpoint: ipcEndpoint(dir, "max"), speed: .maximum, count: 30)
        let paced = try await replayAndRecord(
            source: "\(dir)/a.csicap", output: "\(dir)/one.csicap",
            endpoint: ipcEndpoint(dir, "one"), speed: .realTime, count: 30)
        let a = try decodeAll(original)
        let m = try decodeAll(CaptureReader(path: "\(dir)/max.csicap").readAll())
        let o = try decodeAll(CaptureReader(path: "\(dir)/one.csicap").readAll())
        #expect(m.count == 30 && o.count == 30)
        #expect(zip(m, o).allSatisfy(identical))
        #expect(zip(a, o).allSatisfy(identical))
        let recordedSpan = Double(original.last!.tRecvNs - original.first!.tRecvNs) / 1e9
        let elapsed =
            Double(paced.replay.elapsed.components.seconds) + Double(paced.replay.elapsed.components.attoseconds)
            * 1e-18
        #expect(elapsed >= 0.9 * recordedSpan, "speed 1 replay took \(elapsed) s for \(recordedSpan) s of capture")
        #expect(fast.replay.elapsed < paced.replay.elapsed)
    }

    @Test("a position feed is recorded with kind 'positions'; other topics are skipped")
    func positionFeedKind() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let endpoint = ipcEndpoint(dir, "pos")
        let context = try Context()
        defer { context.terminate() }
        var config = CaptureRecorder.Configuration(endpoint: endpoint, path: "\(dir)/pos.csicap")
        config.bind = true
        config.count = 5
        config.duration = .seconds(20)
        let settings = config
        let publisher = try Publisher(context: context, connect: [endpoint])
        defer { publisher.close() }
        let stopPublishing = StopFlag()
        // Publish a junk topic and fixes until the recorder has its 5 (slow joiner: keep sending). A plain thread,
        // started now: a task could wait for a cooperative-pool thread while other tests compute, and the
        // recorder's clock would run out first.
        let published = DispatchSemaphore(value: 0)
        let publishing = Thread {
            defer { published.signal() }
            var seq: UInt64 = 0
            while !stopPublishing.isRequested && seq < 100_000 {
                let fix = PositionFix(
                    seq: seq, receiverID: 2, ueID: 9, tCaptureNs: 1, tPublishNs: 2, position: SIMD3(1, 2, 0))
                do {
                    try publisher.publish([Array("not/a/topic".utf8), [1]])
                    try publisher.publish(fix.messageParts())
                } catch { return }
                seq += 1
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        publishing.name = "test-pos-publisher"
        publishing.start()
        let result = try await DedicatedThread.run(name: "test-pos-record") {
            try CaptureRecorder(configuration: settings, context: context).run()
        }
        stopPublishing.request()
        try await DedicatedThread.run(name: "test-pos-join") { published.wait() }
        #expect(result.records == 5)
        #expect(result.kind == .positions)
        #expect(result.skipped >= 1)
        let reader = try CaptureReader(path: "\(dir)/pos.csicap")
        let records = try reader.readAll()
        #expect(reader.metadata?.kind == .positions)
        #expect(try records.map { try PositionFix(parts: $0.parts).receiverID } == Array(repeating: 2, count: 5))
    }

    @Test("a stop request or the duration ends a recording cleanly; an idle recording leaves an empty capture")
    func stopAndDuration() async throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = try Context()
        defer { context.terminate() }
        var config = CaptureRecorder.Configuration(endpoint: ipcEndpoint(dir, "idle"), path: "\(dir)/idle.csicap")
        config.duration = .milliseconds(300)
        config.topicPrefix = "pos/v1/"
        let timed = config
        let start = ContinuousClock.now
        let idle = try await DedicatedThread.run(name: "test-idle") {
            try CaptureRecorder(configuration: timed, context: context).run()
        }
        // Ends by itself (a hang would not). Generous: on 2 cores CPU-bound tests can hold the cooperative pool that
        // resumes this await for a minute or more.
        #expect(ContinuousClock.now - start < .seconds(240))
        #expect(idle.records == 0)
        let reader = try CaptureReader(path: "\(dir)/idle.csicap")
        #expect(try reader.readAll().isEmpty)
        #expect(reader.metadata?.kind == .positions) // from the prefix
        #expect(reader.report.isClean)

        config.duration = nil
        config.path = "\(dir)/stopped.csicap"
        let stopped = config
        let stop = StopFlag()
        stop.request()
        let result = try await DedicatedThread.run(name: "test-stop") {
            try CaptureRecorder(configuration: stopped, context: context).run(stop: stop)
        }
        #expect(result.records == 0)
        #expect(FileManager.default.fileExists(atPath: "\(dir)/stopped.csicap"))
        // An existing file is not replaced without `overwrite`.
        #expect(throws: CaptureError.self) {
            try CaptureRecorder(configuration: stopped, context: context).run(stop: stop)
        }
    }
}
