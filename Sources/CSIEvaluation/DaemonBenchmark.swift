import CSIChannel
import CSILocDaemon
public import CSISearch
import CSIWire
import Foundation
import Logging
import Synchronization
import ZMQ

/// `csiloc bench daemon`: throughput and latency through a real `csilocd` pipeline (ZeroMQ over loopback TCP,
/// decode, queue, workers, JSON, PUB) against the bare in-process localizer on the same frames, plus the process
/// RSS after 10³ frames and at the end (memory must not grow with the frame count).
///
/// The feed is closed-loop: at most `window` frames are outstanding, so the daemon is kept busy without overload
/// (nothing superseded); frames rotate over 64 UEs. The daemon runs in this process (``DaemonHarness``), so RSS
/// covers daemon + client; the client's share is constant.
public struct DaemonBenchmark: Sendable {
    /// What to run.
    public struct Request: Sendable {
        /// Scene whose exact simulator is served (the daemon's `model.oracle_scene`) and simulates the frames.
        var scenePath: String
        /// A model file (`csiloc train`) served instead of the scene's simulator (the daemon's `model.path`), by the
        /// daemon and the in-process reference alike; the frames are still the scene's exact channels.
        public var modelPath: String?
        /// Frames sent through the daemon (and localized in-process, capped at ``inProcessCap``).
        public var frames = 20_000
        /// Distinct simulated positions, cycled.
        public var distinct = 1000
        /// Daemon workers and in-process threads.
        package var workers: Int
        /// Frames outstanding at once (nil: 4 × workers).
        public var window: Int?
        /// Search method of the daemon and of the in-process reference.
        public var method: SearchMethod = .robust
        /// CurveZMQ on both daemon sockets: a server key pair and the harness's client key pair are generated
        /// into a temporary directory (written and read back like `csiloc keygen`'s files) and the harness's key
        /// is the only one allowed on either socket.
        public var curve = false

        /// A request for the scene at `scenePath` served by `workers` daemon workers.
        public init(scenePath: String, workers: Int) {
            self.scenePath = scenePath
            self.workers = workers
        }
    }

    /// Frames localized in-process at most.
    static let inProcessCap = 20_000
    /// Receiver id of the handshake probes (the benchmark's frames use receiver 1).
    static let probeReceiver: UInt32 = 2

    /// The in-process reference.
    package struct InProcess: Sendable {
        package var frames: Int
        var rate: Double
        /// Per-frame latency, ms.
        package var latencyMs: EmpiricalDistribution
        package var errors: [Double]
        var cpuSecondsPerFrame: Double
    }

    /// Through the daemon.
    public struct ThroughDaemon: Sendable {
        var rate: Double
        /// The fixes' `latency_ms` (receipt → publish) and the client's round trip, ms.
        package var latencyMs: EmpiricalDistribution
        package var roundTripMs: EmpiricalDistribution
        var rssAfter1kKiB: Int
        package var rssAtEndKiB: Int
        var maxError: Double
        package var over1mm: Int
        /// CPU time of the daemon's own threads (`csilocd-*`) while the frames went through.
        package var daemonCPUSeconds: Double
        /// Of which inside `Localizer.localize` (the daemon's `csilocd_localize_cpu_seconds_total`).
        package var solverCPUSeconds: Double
    }

    var request: Request
    var sceneName: String
    package var antennaCount: Int, subcarrierCount: Int
    package var inProcess: InProcess
    /// What went through the daemon.
    public var daemon: ThroughDaemon

    /// Runs the in-process reference, then the daemon. `heading` receives the first line before anything runs.
    ///
    /// - Throws: scene errors, daemon start errors, `ZMQError`, ``DaemonHarness/HarnessError``.
    public static func run(_ request: Request, heading: (String) -> Void = { _ in }) throws -> DaemonBenchmark {
        let scenePath = URL(fileURLWithPath: request.scenePath).standardizedFileURL.path
        let scene = try Scene.load(contentsOf: scenePath)
        let sim = ChannelSimulator(scene: scene)
        let test = TestSet.simulate(sim, count: request.distinct, seed: 11)
        let modelPath = request.modelPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let served = try modelPath.map(EvaluationModel.load(modelFile:)) ?? .oracle(scene)
        guard served.model.antennaCount == sim.antennaCount, served.model.subcarrierCount == sim.subcarrierCount
        else {
            throw EvaluationError(
                "the model serves \(served.model.antennaCount)×\(served.model.subcarrierCount) channels, the scene \(scene.name) simulates \(sim.antennaCount)×\(sim.subcarrierCount)"
            )
        }
        heading(
            String(
                format: "bench daemon: %@ %d×%d, %@, %d workers, %d frames (%d distinct%@), %@",
                served.label, sim.antennaCount, sim.subcarrierCount, request.method.rawValue, request.workers,
                request.frames, request.distinct, modelPath == nil ? "" : ", simulated by the scene \(scene.name)",
                request.curve ? "CURVE on both sockets" : "plaintext"))
        // The daemon's own search configuration for this model (its nuisance by default), so both sides search alike.
        let search = configuration(request, scenePath: scenePath, modelPath: modelPath).search
        let localizer = try Localizer(
            validating: served.model, region: served.region,
            configuration: search.localizerConfiguration(modelNuisance: served.nuisance), width: request.workers,
            quality: served.quality)
        let inProcess = runInProcess(
            localizer, test: test, frames: min(request.frames, inProcessCap), workers: request.workers)
        let frames = try benchmarkFrames(sim, test: test)
        var probe = frames[0]
        probe.header.receiverID = probeReceiver
        let daemon = try runDaemon(
            request, scenePath: scenePath, modelPath: modelPath, frames: try frames.map(EncodedFrame.init),
            probe: probe)
        return DaemonBenchmark(
            request: request, sceneName: scene.name, antennaCount: sim.antennaCount,
            subcarrierCount: sim.subcarrierCount, inProcess: inProcess, daemon: daemon)
    }

    /// The test set as frames (receiver 1, UE 0, seq 0, the truth in the extension), to be re-sent with other
    /// headers (``EncodedFrame``).
    static func benchmarkFrames(_ sim: ChannelSimulator, test: TestSet) throws -> [CSIFrame] {
        try (0..<test.count).map { k in
            CSIFrame(
                seq: 0, receiverID: 1, ueID: 0, antennaCount: UInt16(sim.antennaCount),
                subcarrierCount: UInt16(sim.subcarrierCount), samples: Array(test.channel(k)),
                extension: try FrameExtension(truth: test.positions[k]))
        }
    }

    /// The same localizer configuration, one scratch per thread, frame i on thread i mod workers.
    static func runInProcess(_ localizer: Localizer, test: TestSet, frames: Int, workers: Int) -> InProcess {
        let latencies = Mutex<[Double]>([])
        let localErrors = Mutex<[Double]>([])
        let localCPU = Mutex(0.0)
        let stride = test.valuesPerChannel, distinct = test.count
        let t0 = ContinuousClock.now
        test.csi.withUnsafeBufferPointer { csi in
            nonisolated(unsafe) let csi = csi
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var scratch = localizer.makeScratch()
                var mine: [Double] = []
                var errors: [Double] = []
                let cpu0 = ProcessStatistics.threadCPUSeconds()
                for i in Swift.stride(from: w, to: frames, by: workers) {
                    let k = i % distinct
                    let s = ContinuousClock.now
                    let fix = localizer.localize(
                        complex64: UnsafeBufferPointer(rebasing: csi[(k * stride)..<((k + 1) * stride)]),
                        scratch: &scratch)
                    mine.append(ProcessStatistics.seconds(since: s) * 1000)
                    let d = fix.position - test.positions[k]
                    errors.append((d * d).sum().squareRoot())
                }
                latencies.withLock { $0 += mine }
                localCPU.withLock { [cpu = ProcessStatistics.threadCPUSeconds() - cpu0] in $0 += cpu }
                localErrors.withLock { $0 += errors }
            }
        }
        let seconds = ProcessStatistics.seconds(since: t0)
        return InProcess(
            frames: frames, rate: Double(frames) / seconds, latencyMs: EmpiricalDistribution(latencies.withLock { $0 }),
            errors: localErrors.withLock { $0 }, cpuSecondsPerFrame: localCPU.withLock { $0 } / Double(frames))
    }

    /// What the fix subscriber thread accumulates.
    final class Sink: Sendable {
        struct State {
            var count = 0
            var latency: [Double] = []
            var roundTrip: [Double] = []
            var maxError = 0.0
            var over1mm = 0
        }
        let state = Mutex(State())
        let sent = Mutex<[UInt64: ContinuousClock.Instant]>([:])
        /// Signalled once per fix: the feeder sleeps on it instead of polling the count.
        private let arrivals = DispatchSemaphore(value: 0)

        /// Returns after the next fix arrives (or one arrived since the last call), or after `timeout` — the
        /// caller re-checks its condition either way, so a lost frame cannot hang it.
        func waitForArrival(timeout: Duration = .milliseconds(50)) {
            let ns =
                Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
            _ = arrivals.wait(timeout: .now() + .nanoseconds(ns))
        }

        func received(_ fix: PositionFix) {
            let now = ContinuousClock.now
            let start = sent.withLock { $0.removeValue(forKey: fix.seq) }
            state.withLock {
                $0.count += 1
                $0.latency.append(fix.latencyMs)
                if let start { $0.roundTrip.append(ProcessStatistics.seconds(since: start, now: now) * 1000) }
                $0.maxError = max($0.maxError, fix.truthErrorM ?? .infinity)
                if (fix.truthErrorM ?? .infinity) > 1e-3 { $0.over1mm += 1 }
            }
            arrivals.signal()
        }
        var count: Int { state.withLock { $0.count } }
    }

    /// The daemon's configuration: loopback TCP on free ports, deep queues, no metrics endpoint, errors only.
    static func configuration(_ request: Request, scenePath: String, modelPath: String? = nil) -> DaemonConfiguration {
        var c = DaemonConfiguration(
            model: modelPath.map { ModelSettings(path: $0) } ?? ModelSettings(oracleScene: scenePath))
        c.input.endpoint = "tcp://127.0.0.1:*"
        c.input.bind = true
        c.output.endpoint = "tcp://127.0.0.1:*"
        c.output.bind = true
        c.output.sendHighWaterMark = 1_000_000
        c.search.method = request.method
        c.workers = request.workers
        c.queue.perUE = 1024
        c.queue.maxUEs = 1024
        c.metrics = .disabled
        c.log.level = "error"
        return c
    }

    /// Sends `request.frames` frames (cycling over `encoded`, seq = frame index, UE = index mod 64) through a
    /// daemon after a handshake with `probe`.
    static func runDaemon(
        _ request: Request, scenePath: String, modelPath: String? = nil, frames encoded: [EncodedFrame],
        probe: CSIFrame
    ) throws -> ThroughDaemon {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let sink = Sink()
        var options = DaemonHarness.Options()
        options.feedHighWaterMark = 1_000_000
        options.feedLinger = .zero
        options.fixHighWaterMark = 1_000_000
        options.keepsFixes = false
        var configuration = configuration(request, scenePath: scenePath, modelPath: modelPath)
        if request.curve {
            let keys = try curveKeys()
            configuration.curve = CurveSettings(
                keyPair: keys.server, input: .server(clients: [keys.client.publicKey]),
                output: .server(clients: [keys.client.publicKey]))
            options.curveKeys = keys.client
        }
        let harness = try DaemonHarness(
            configuration: configuration, logger: logger, options: options,
            onFix: sink.received)
        defer { harness.close() }
        try harness.handshake(probe: probe)
        let frames = request.frames
        let window = request.window ?? 4 * request.workers
        var rssAfter1k = 0
        let cpu0 = ProcessStatistics.cpuSecondsPerThread(named: "csilocd-")
        let solver0 = harness.daemon.metrics.snapshot().localizeCPUSeconds
        let t0 = ContinuousClock.now
        for i in 0..<frames {
            // Blocks until a fix frees a slot (a poll would take CPU from the daemon's workers on a small machine).
            while i - sink.count >= window { sink.waitForArrival() }
            if i == min(1000, frames - 1) { rssAfter1k = ProcessStatistics.residentKiB() }
            let parts = encoded[i % encoded.count].parts(seq: UInt64(i), receiverID: 1, ueID: UInt32(i % 64))
            sink.sent.withLock { $0[UInt64(i)] = .now }
            try harness.send(parts: parts)
        }
        while sink.count < frames {
            sink.waitForArrival()
            if ProcessStatistics.seconds(since: t0) > 3600 { break }
        }
        let elapsed = ProcessStatistics.seconds(since: t0)
        let daemonCPU = ProcessStatistics.cpuSeconds(ofThreadsNamed: "csilocd-", since: cpu0)
        let solverCPU = harness.daemon.metrics.snapshot().localizeCPUSeconds - solver0
        let state = sink.state.withLock { $0 }
        return ThroughDaemon(
            rate: Double(frames) / elapsed, latencyMs: EmpiricalDistribution(state.latency),
            roundTripMs: EmpiricalDistribution(state.roundTrip), rssAfter1kKiB: rssAfter1k,
            rssAtEndKiB: ProcessStatistics.residentKiB(), maxError: state.maxError, over1mm: state.over1mm,
            daemonCPUSeconds: daemonCPU, solverCPUSeconds: solverCPU)
    }

    /// A fresh server and client key pair, written to a temporary directory as key files, read back, and the
    /// directory removed.
    static func curveKeys() throws -> (server: CurveKeyPair, client: CurveKeyPair) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "csiloc-bench-curve-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try CurveCertificateFile.write(try CurveKeyPair.generate(), prefix: directory + "/server")
        let client = try CurveCertificateFile.write(try CurveKeyPair.generate(), prefix: directory + "/client")
        return (
            try CurveCertificateFile.readKeyPair(at: server.secretPath),
            try CurveCertificateFile.readKeyPair(at: client.secretPath)
        )
    }
}
