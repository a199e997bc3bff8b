// Guarded so that this file is inert in a tree whose Package.swift does not yet declare CSILocDaemon.
#if canImport(CSILocDaemon)
import ArgumentParser
import CSIChannel
import CSILocDaemon
import CSISearch
import CSIWire
import Foundation
import Logging
import Synchronization
import ZMQ

/// `csiloc bench daemon`: throughput and latency through a real `csilocd` pipeline (ZeroMQ over loopback
/// TCP, decode, queue, workers, JSON, PUB) against the bare in-process localizer on the same frames, plus
/// the process RSS after 10³ frames and at the end (memory must not grow with the frame count).
///
/// The feed is closed-loop: at most `--window` frames are outstanding, so the daemon is kept busy without
/// overload (nothing superseded); frames rotate over 64 UEs. The daemon runs in this process (like the
/// integration tests), so RSS covers daemon + client; the client's share is constant.
struct BenchDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Frames/s and latency through the daemon vs the in-process localizer; RSS vs frame count.",
        discussion: "Example: csiloc bench daemon --oracle-scene etc/scenes/tiny-los.yaml --frames 100000"
    )

    @Option(name: .long, help: "Scene whose exact simulator is served (the daemon's model.oracle_scene).")
    var oracleScene: String = "etc/scenes/tiny-los.yaml"

    @Option(name: .long, help: "Frames sent through the daemon (and localized in-process, capped at 20000).")
    var frames: Int = 20_000

    @Option(name: .long, help: "Distinct simulated positions, cycled.")
    var distinct: Int = 1000

    @Option(name: .long, help: "Workers (daemon) and threads (in-process); default: all cores.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Frames outstanding at once (default 4 × workers).")
    var window: Int?

    @Option(name: .long, help: "Search method.")
    var method: String = "robust"

    func validate() throws {
        guard frames >= 1, distinct >= 1, workers >= 1 else { throw ValidationError("--frames, --distinct and --workers must be ≥ 1") }
        guard SearchMethod(name: method) != nil else { throw ValidationError("unknown method '\(method)'") }
    }

    func run() throws {
        let scenePath = URL(fileURLWithPath: oracleScene).standardizedFileURL.path
        let scene = try Scene.load(contentsOf: scenePath)
        let sim = ChannelSimulator(scene: scene)
        let test = TestSet.simulate(sim, count: distinct, seed: 11)
        let stride = sim.valuesPerChannel
        print(String(format: "bench daemon: oracle(%@) %d×%d, %@, %d workers, %d frames (%d distinct)",
                     scene.name, sim.antennaCount, sim.subcarrierCount, method, workers, frames, distinct))

        // In-process reference: the same localizer configuration, one scratch per thread.
        let config = SearchMethod(name: method)!.configuration
        let localizer = Localizer(model: sim, region: scene.ueRegion, configuration: config, width: workers)
        let inProcessFrames = min(frames, 20_000)
        let latencies = Mutex<[Double]>([])
        let localErrors = Mutex<[Double]>([])
        let localCPU = Mutex(0.0)
        let t0 = ContinuousClock.now
        test.csi.withUnsafeBufferPointer { csi in
            nonisolated(unsafe) let csi = csi
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var scratch = localizer.makeScratch()
                var mine: [Double] = []
                var errors: [Double] = []
                let cpu0 = Self.threadCPUSeconds()
                for i in Swift.stride(from: w, to: inProcessFrames, by: workers) {
                    let k = i % distinct
                    let s = ContinuousClock.now
                    let fix = localizer.localize(complex64: UnsafeBufferPointer(rebasing: csi[(k * stride)..<((k + 1) * stride)]), scratch: &scratch)
                    mine.append(Self.seconds(since: s) * 1000)
                    let d = fix.position - test.positions[k]
                    errors.append((d * d).sum().squareRoot())
                }
                latencies.withLock { $0 += mine }
                localCPU.withLock { [cpu = Self.threadCPUSeconds() - cpu0] in $0 += cpu }
                localErrors.withLock { $0 += errors }
            }
        }
        let inProcessSeconds = Self.seconds(since: t0)
        let inProcessRate = Double(inProcessFrames) / inProcessSeconds
        let local = latencies.withLock { $0 }
        let errors = localErrors.withLock { $0 }
        print(String(format: "in-process localizer: %.0f frames/s, latency p50 %.3f ms, p99 %.3f ms; error > 1 mm: %.2f %% of frames, max %.2e m",
                     inProcessRate, Self.percentile(local, 0.5), Self.percentile(local, 0.99),
                     100 * Double(errors.filter { $0 > 1e-3 }.count) / Double(errors.count), errors.max() ?? .nan))

        let localCPUPerFrame = localCPU.withLock { $0 } / Double(inProcessFrames)
        let daemonResult = try runDaemon(scenePath: scenePath, test: test, stride: stride,
                                         shape: (sim.antennaCount, sim.subcarrierCount))
        let overhead = 100 * (1 - daemonResult.rate / inProcessRate)
        print(String(format: "daemon: %.0f frames/s (overhead %.1f %%), latency_ms receipt→publish p50 %.3f, p99 %.3f; client round trip p50 %.3f, p99 %.3f ms",
                     daemonResult.rate, overhead, Self.percentile(daemonResult.daemonLatency, 0.5),
                     Self.percentile(daemonResult.daemonLatency, 0.99), Self.percentile(daemonResult.roundTrip, 0.5),
                     Self.percentile(daemonResult.roundTrip, 0.99)))
        let daemonCPUPerFrame = daemonResult.daemonCPUSeconds / Double(frames)
        let solverCPUPerFrame = daemonResult.solverCPUSeconds / Double(frames)
        print(String(format: "CPU per frame: in-process localizer %.1f µs; daemon threads (receive + workers) %.1f µs, of which in the localizer %.1f µs → daemon overhead %.1f µs/frame = %.1f %% of the localizer",
                     1e6 * localCPUPerFrame, 1e6 * daemonCPUPerFrame, 1e6 * solverCPUPerFrame,
                     1e6 * (daemonCPUPerFrame - solverCPUPerFrame), 100 * (daemonCPUPerFrame / solverCPUPerFrame - 1)))
        print(String(format: "daemon fixes: error > 1 mm: %.2f %%, max %.2e m",
                     100 * Double(daemonResult.over1mm) / Double(frames), daemonResult.maxError))
        print(String(format: "RSS: %.1f MiB after 10^3 frames, %.1f MiB after %d frames (%+.1f MiB)",
                     Double(daemonResult.rssAfter1k) / 1024, Double(daemonResult.rssAtEnd) / 1024, frames,
                     Double(daemonResult.rssAtEnd - daemonResult.rssAfter1k) / 1024))
    }

    struct DaemonResult {
        var rate: Double
        var daemonLatency: [Double]
        var roundTrip: [Double]
        var rssAfter1k: Int
        var rssAtEnd: Int
        var maxError: Double
        var over1mm: Int
        /// CPU time of the daemon's own threads (`csilocd-*`) while the frames went through.
        var daemonCPUSeconds: Double
        /// Of which inside `Localizer.localize` (the daemon's `csilocd_localize_cpu_seconds_total`).
        var solverCPUSeconds: Double
    }

    /// Collected by the fix subscriber thread.
    final class Sink: Sendable {
        struct State {
            var count = 0
            var latency: [Double] = []
            var roundTrip: [Double] = []
            var maxError = 0.0
            var over1mm = 0
            var probes = 0
        }
        let state = Mutex(State())
        let sent = Mutex<[UInt64: ContinuousClock.Instant]>([:])
    }

    func runDaemon(scenePath: String, test: TestSet, stride: Int, shape: (antennas: Int, subcarriers: Int)) throws -> DaemonResult {
        let dir = NSTemporaryDirectory() + "csiloc-bench-daemon-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configPath = dir + "/csilocd.yaml"
        try """
            input: {endpoint: "tcp://127.0.0.1:*", bind: true}
            output: {endpoint: "tcp://127.0.0.1:*", bind: true, send_hwm: 1000000}
            model: {oracle_scene: \(scenePath)}
            search: {method: \(method)}
            workers: \(workers)
            queue: {per_ue: 1024, max_ues: 1024}
            metrics: {listen: off}
            log: {level: error}
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let daemon = try Daemon(configPath: configPath, logger: logger)
        try daemon.start()
        defer { daemon.stop() }
        let context = try Context()
        defer { context.terminate() }
        let feed = try Publisher(context: context, connect: [daemon.pipeline.inputEndpoint!], sendHighWaterMark: 1_000_000)
        defer { feed.close() }
        let sink = Sink()
        var subConfig = Subscriber.Configuration(endpoints: [.connect(daemon.pipeline.outputEndpoint)], topics: ["pos/v1/"])
        subConfig.receiveHighWaterMark = 1_000_000
        let sub = try Subscriber(context: context, configuration: subConfig) { parts in
            guard let fix = try? PositionFix(parts: parts) else { return }
            let now = ContinuousClock.now
            if fix.receiverID == 2 { sink.state.withLock { $0.probes += 1 }; return }
            let start = sink.sent.withLock { $0.removeValue(forKey: fix.seq) }
            sink.state.withLock {
                $0.count += 1
                $0.latency.append(fix.latencyMs)
                if let start { $0.roundTrip.append(Self.seconds(since: start, now: now) * 1000) }
                $0.maxError = max($0.maxError, fix.truthErrorM ?? .infinity)
                if (fix.truthErrorM ?? .infinity) > 1e-3 { $0.over1mm += 1 }
            }
        }
        defer { sub.stop(); sub.join() }
        // Pre-encode every distinct frame once; only seq (header bytes 8..<16) and the UE change per send.
        let encoded: [[[UInt8]]] = (0..<test.count).map { k in
            let frame = CSIFrame(seq: 0, receiverID: 1, ueID: 0, antennaCount: UInt16(shape.antennas),
                                 subcarrierCount: UInt16(shape.subcarriers),
                                 samples: Array(test.csi[(k * stride)..<((k + 1) * stride)]),
                                 extension: try! FrameExtension(truth: test.positions[k]))
            return try! FrameEncoder(computeCRC: true).encode(frame)
        }
        // Handshake (slow joiner): probes on receiver 2 until one fix comes back.
        var probeSeq: UInt64 = 0
        while sink.state.withLock({ $0.probes }) == 0 {
            var probe = encoded[0]
            probe[0] = Array("csi/v1/2/0".utf8)
            Self.patch(&probe, seq: probeSeq, receiver: 2, ue: 0)
            probeSeq += 1
            try feed.publish(probe)
            usleep(20_000)
        }
        let window = self.window ?? 4 * workers
        var rssAfter1k = 0
        let cpu0 = Self.daemonThreadsCPUSeconds()
        let solver0 = daemon.metrics.snapshot().localizeCPUSeconds
        let t0 = ContinuousClock.now
        for i in 0..<frames {
            while i - sink.state.withLock({ $0.count }) >= window { usleep(20) }
            if i == min(1000, frames - 1) { rssAfter1k = Self.residentKiB() }
            var parts = encoded[i % encoded.count]
            let ue = UInt32(i % 64)
            parts[0] = Array("csi/v1/1/\(ue)".utf8)
            Self.patch(&parts, seq: UInt64(i), receiver: 1, ue: ue)
            sink.sent.withLock { $0[UInt64(i)] = .now }
            try feed.publish(parts)
        }
        while sink.state.withLock({ $0.count }) < frames {
            usleep(100)
            if Self.seconds(since: t0) > 3600 { break }
        }
        let elapsed = Self.seconds(since: t0)
        let daemonCPU = Self.daemonThreadsCPUSeconds() - cpu0
        let solverCPU = daemon.metrics.snapshot().localizeCPUSeconds - solver0
        let state = sink.state.withLock { $0 }
        return DaemonResult(rate: Double(frames) / elapsed, daemonLatency: state.latency, roundTrip: state.roundTrip,
                            rssAfter1k: rssAfter1k, rssAtEnd: Self.residentKiB(), maxError: state.maxError,
                            over1mm: state.over1mm, daemonCPUSeconds: daemonCPU,
                            solverCPUSeconds: solverCPU)
    }

    /// Rewrites seq, receiver and UE in an encoded header (offsets 8, 32, 36; the CRC covers the payload only).
    static func patch(_ parts: inout [[UInt8]], seq: UInt64, receiver: UInt32, ue: UInt32) {
        for i in 0..<8 { parts[1][8 + i] = UInt8((seq >> (8 * UInt64(i))) & 0xFF) }
        for i in 0..<4 { parts[1][32 + i] = UInt8((receiver >> (8 * UInt32(i))) & 0xFF) }
        for i in 0..<4 { parts[1][36 + i] = UInt8((ue >> (8 * UInt32(i))) & 0xFF) }
    }

    /// CPU time of the calling thread.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Summed user + system CPU of this process's threads named `csilocd-*` (from /proc/self/task).
    static func daemonThreadsCPUSeconds() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8), comm.hasPrefix("csilocd-"),
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / ticks
        }
        return total
    }

    static func residentKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ")[1]) ?? 0
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func seconds(since start: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> Double {
        let d = now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
#endif
