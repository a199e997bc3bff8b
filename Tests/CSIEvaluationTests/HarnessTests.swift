import CSICapture
import CSIChannel
import CSIEvaluation
import CSILocDaemon
import CSIModel
import CSIWire
import Foundation
import Logging
import Synchronization
import Testing

/// The in-process daemon harness end to end, from a configuration value; the frame template; /proc parsing.
@Suite(.serialized)
struct HarnessTests {
    static func configuration(workers: Int = 1) -> DaemonConfiguration {
        var c = DaemonConfiguration(model: ModelSettings(oracleScene: tinyScenePath))
        c.input.endpoint = "tcp://127.0.0.1:*"
        c.input.bind = true
        c.output.endpoint = "tcp://127.0.0.1:*"
        c.queue.perUE = 64
        c.workers = workers
        c.metrics = .disabled
        return c
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "harness-test")
        logger.logLevel = .critical
        return logger
    }

    static func frames(count: Int, receiver: UInt32, seed: UInt64) throws -> [CSIFrame] {
        let sim = ChannelSimulator(scene: tinyScene)
        let test = TestSet.simulate(sim, count: count, seed: seed)
        return try (0..<count).map { i in
            CSIFrame(
                seq: UInt64(i), receiverID: receiver, ueID: 1, antennaCount: UInt16(sim.antennaCount),
                subcarrierCount: UInt16(sim.subcarrierCount), samples: Array(test.channel(i)),
                extension: try FrameExtension(truth: test.positions[i]))
        }
    }

    @Test func framesGoThroughTheDaemonAndFixesComeBack() throws {
        let harness = try DaemonHarness(configuration: Self.configuration(), logger: Self.quietLogger)
        defer { harness.close() }
        try harness.handshake(probe: try Self.frames(count: 1, receiver: 9, seed: 1)[0])
        #expect(harness.probesReceived >= 1)
        let frames = try Self.frames(count: 20, receiver: 1, seed: 5)
        for f in frames { try harness.send(f) }
        let deadline = Date().addingTimeInterval(30)
        while harness.fixes.count < frames.count && Date() < deadline { usleep(10_000) }
        let fixes = harness.fixes
        #expect(fixes.count == frames.count)
        #expect(fixes.allSatisfy { $0.receiverID == 1 }) // probes are kept out
        #expect(Set(fixes.map(\.seq)) == Set(frames.map(\.header.seq)))
        for fix in fixes {
            let truth = try #require(frames[Int(fix.seq)].truth)
            #expect(
                fix.truthErrorM.map {
                    abs($0 - ((fix.position - truth) * (fix.position - truth)).sum().squareRoot()) < 1e-9
                } ?? false)
        }
        #expect(harness.undecodable == 0)
        #expect(harness.daemon.configPath == nil)
    }

    @Test func aDaemonMadeFromAValueCannotReload() throws {
        let daemon = try Daemon(configuration: Self.configuration(), logger: Self.quietLogger)
        #expect(daemon.reloadBlocking() == false)
        #expect(daemon.metrics.snapshot().reloadsFailed == 1)
        #expect(daemon.pipeline.currentModel.generation == 1)
    }

    @Test func aBadModelInAValueIsReportedAtItsKey() {
        var c = Self.configuration()
        c.model = ModelSettings(oracleScene: "/nonexistent/scene.yaml")
        #expect(
            performing: { try DaemonHarness(configuration: c, logger: Self.quietLogger) },
            throws: { "\($0)".contains("model.oracle_scene") && "\($0)".contains("<configuration>") })
    }

    @Test func benchmarkMeasuresTheDaemonAndTheLocalizer() throws {
        var request = DaemonBenchmark.Request(scenePath: tinyScenePath, workers: 1)
        request.frames = 150
        request.distinct = 30
        var heading = ""
        let bench = try DaemonBenchmark.run(request) { heading = $0 }
        #expect(heading.hasPrefix("bench daemon: oracle(tiny-los) 4×4, robust, 1 workers, 150 frames (30 distinct)"))
        #expect(bench.inProcess.frames == 150 && bench.inProcess.errors.count == 150)
        #expect(bench.daemon.latencyMs.count == 150 && bench.daemon.roundTripMs.count == 150)
        // The daemon serves the same localizer: as many frames off by more than a millimetre as in-process.
        #expect(bench.daemon.over1mm == bench.inProcess.errors.filter { $0 > 1e-3 }.count)
        // The daemon threads' CPU time comes from /proc in clock ticks (10 ms): a run this short may read 0.
        #expect(bench.daemon.rssAtEndKiB > 0 && bench.daemon.solverCPUSeconds > 0)
        #expect(bench.daemon.daemonCPUSeconds >= 0 && bench.daemon.daemonCPUSeconds.isFinite)
        #expect(bench.lines.count == 5)
    }

    @Test func benchmarkServesAModelFileOnBothSides() throws {
        // A small physics model of the tiny scene, trained on its exact channels.
        let survey = TestSet.simulate(ChannelSimulator(scene: tinyScene), count: 300, seed: 1)
        let data = CSIDataset(
            positions: survey.positions, csi: survey.csi, frequencies: tinyScene.subcarriers.frequencies,
            antennas: tinyScene.array.positions, carrier: tinyScene.subcarriers.carrier)
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 1
        options.width = 1
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-model-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let modelPath = dir + "/m.csimodel"
        try ModelTrainer(options: options).train(dataset: data).write(to: modelPath)

        var request = DaemonBenchmark.Request(scenePath: tinyScenePath, workers: 1)
        request.frames = 120
        request.distinct = 30
        request.modelPath = modelPath
        var heading = ""
        let bench = try DaemonBenchmark.run(request) { heading = $0 }
        #expect(heading.hasPrefix("bench daemon: physics("), "\(heading)")
        #expect(heading.contains("simulated by the scene tiny-los"))
        #expect(bench.daemon.latencyMs.count == 120 && bench.inProcess.errors.count == 120)
        // Both sides localize the same frames with the same model and search: the same frames are off by > 1 mm.
        #expect(bench.daemon.over1mm == bench.inProcess.errors.filter { $0 > 1e-3 }.count)

        // A model of another frame shape is refused before anything runs.
        var other = DaemonBenchmark.Request(scenePath: repositoryRoot + "/etc/scenes/street.yaml", workers: 1)
        other.modelPath = modelPath
        #expect(throws: EvaluationError.self) { try DaemonBenchmark.run(other) }
    }

    @Test func encodedFramesEqualFreshEncodingsWithTheNewHeader() throws {
        let frame = try Self.frames(count: 1, receiver: 1, seed: 2)[0]
        let template = try EncodedFrame(frame)
        for (seq, receiver, ue) in [(UInt64(0), UInt32(1), UInt32(0)), (123_456_789_012, 4_000_000_000, 63), (7, 2, 1)]
        {
            var changed = frame
            changed.header.seq = seq
            changed.header.receiverID = receiver
            changed.header.ueID = ue
            let parts = template.parts(seq: seq, receiverID: receiver, ueID: ue)
            #expect(parts == (try FrameEncoder().encode(changed)))
            let decoded = try FrameDecoder(crcPolicy: .require).decode(parts)
            #expect(decoded.header.seq == seq && decoded.topic == WireTopic(kind: .csi, receiverID: receiver, ueID: ue))
            #expect(decoded.samples == frame.samples && decoded.truth == frame.truth)
        }
    }

    @Test func procFiguresOfThisProcess() {
        #expect(ProcessStatistics.residentKiB() > 1000)
        #expect(ProcessStatistics.processCPUSeconds() > 0)
        let t0 = ProcessStatistics.threadCPUSeconds()
        var x = 0.0
        for i in 0..<2_000_000 { x += Double(i).squareRoot() }
        #expect(x > 0 && ProcessStatistics.threadCPUSeconds() > t0)
        #expect(ProcessStatistics.cpuSeconds(ofThreadsNamed: "no-such-thread-") == 0)
    }

    /// CPU time since a reading counts the threads alive now and leaves out those that ended in between (the
    /// daemon bench once read a negative figure when a concurrent test's daemon threads ended).
    @Test func threadCPUSinceAReadingIsNeverNegative() {
        let busy = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0),
            ended = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? "cputest-spin".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            let t0 = ProcessStatistics.threadCPUSeconds()
            var x = 0.0
            while ProcessStatistics.threadCPUSeconds() - t0 < 0.15 { x += 1 }
            if x < 0 { print(x) }
            busy.signal()
            release.wait()
            ended.signal()
        }
        let before = ProcessStatistics.cpuSecondsPerThread(named: "cputest-")
        thread.start()
        busy.wait()
        let during = ProcessStatistics.cpuSecondsPerThread(named: "cputest-")
        #expect(during.count == 1 && during.values.first! >= 0.1)
        #expect(ProcessStatistics.cpuSeconds(ofThreadsNamed: "cputest-", since: before) >= 0.1)
        release.signal()
        ended.wait()
        var gone = false
        for _ in 0..<200 where !gone {
            gone = ProcessStatistics.cpuSecondsPerThread(named: "cputest-").isEmpty
            if !gone { usleep(10_000) }
        }
        #expect(gone)
        #expect(ProcessStatistics.cpuSeconds(ofThreadsNamed: "cputest-", since: during) == 0)
    }
}

/// The demo's pieces end to end on the tiny scene's oracle: capture, daemon on ipc sockets, replay, summary.
@Suite(.serialized)
struct DemoSessionTests {
    @Test func replayedFramesAreServedAndSummarised() throws {
        let dir = try scratchDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let capture = dir + "/demo.csicap"
        let truth = try DemoCapture.write(scene: tinyScene, count: 30, seed: 1, snrDB: 40, rate: 500, to: capture)
        #expect(truth.count == 30)
        let session = try DemoSession(directory: dir, model: ModelSettings(oracleScene: tinyScenePath))
        defer { session.close() }
        #expect(session.daemon.pipeline.inputEndpoint == "ipc://\(dir)/csi.ipc")
        let rows = RowLog()
        let progress = try session.replay(capturePath: capture, expected: 30, truth: truth) { rows.add($0) }
        #expect(progress.sent == 30)
        let fixes = session.fixes
        // Every frame was either served (its fix arrived) or superseded in the per-UE queue (4 deep).
        let counts = session.daemon.metrics.snapshot()
        #expect(Set(fixes.map(\.seq)).count == fixes.count && fixes.count == counts.published)
        #expect(counts.published + counts.superseded == 30 && counts.published > 0)
        let summary = DemoSummary(
            fixes: fixes + fixes.prefix(3), truth: truth, wavelength: tinyScene.subcarriers.wavelength,
            replay: progress, snapshot: session.daemon.metrics.snapshot(), elapsed: 1)
        #expect(summary.result.errors.count == fixes.count) // duplicates count once
        for (fix, error) in zip(fixes, summary.result.errors) {
            #expect(abs(error - (fix.position - truth[Int(fix.seq)]).length) <= 1e-15)
        }
        #expect(summary.lines.count == 4 && summary.lines[1].hasPrefix("demo: 30 frames replayed"))
        #expect(summary.cdfSVG.contains(">csilocd (live)</text>"))
    }
}

/// Table rows printed by the replay's printer thread.
final class RowLog: Sendable {
    private let rows = Mutex<[String]>([])
    func add(_ row: String) { rows.withLock { $0.append(row) } }
}
