import CSIChannel
import CSILocDaemon
public import CSISearch
import CSIWire
import Foundation
import Logging
import ZMQ

/// `csiloc bench proxy`: a site of N in-process `csilocd` (each sharded to its own receiver by `input.topics`, as in
/// docs/daemon.md, "Several receivers"), one site feed publishing every receiver's frames, a `csiloc proxy`
/// (``Proxy``: XSUB connected to every daemon's fix feed → XPUB) and one consumer on the proxy's backend. The site
/// is offered `load` × one daemon's capacity in total, spread over the daemons' UEs, open loop.
///
/// The consumer counts every (receiver, UE, `seq`) it receives — once, or as a duplicate — and the report sets
/// that against each daemon's own counters (``ProxyReport``): a frame sent is received by its daemon or lost in
/// ZeroMQ before it; a frame received is processed, superseded (latest wins per UE, by design under overload),
/// dropped or rejected; a frame processed is published (or a publish error); a fix published must arrive through
/// the proxy exactly once.
///
/// One daemon's capacity is measured first, unless given, by ``DaemonBenchmark``'s closed loop with the site's
/// workers per daemon. All daemons share this machine's cores: offered `load` × that capacity, the site is short
/// of CPU whenever `daemons × workers` exceeds the cores, and the daemons supersede (docs/daemon.md).
public struct ProxyBenchmark: Sendable {
    /// What to run.
    public struct Request: Sendable {
        /// Scene whose exact simulator every daemon serves (`model.oracle_scene`).
        var scenePath: String
        /// Daemons of the site, one receiver each.
        public var daemons = 3
        /// Workers of each daemon (and of the capacity measurement).
        package var workersPerDaemon: Int
        /// Frames offered to the whole site.
        public var frames = 20_000
        /// Offered rate as a multiple of one daemon's capacity, for the whole site.
        public var load = 2.0
        /// One daemon's capacity, frames/s; nil: measured.
        public var capacity: Double?
        /// Frames of the closed-loop capacity measurement.
        public var capacityFrames = 5_000
        /// UEs per daemon the frames rotate over.
        public var uesPerDaemon = 64
        /// Distinct simulated positions, cycled.
        public var distinct = 1000
        /// Search method of every daemon.
        public var method: SearchMethod = .robust

        /// A request for the scene at `scenePath`, `workersPerDaemon` workers per daemon.
        public init(scenePath: String, workersPerDaemon: Int) {
            self.scenePath = scenePath
            self.workersPerDaemon = workersPerDaemon
        }

        /// The accepted ranges, checked before anything runs (the CLI shows the message as is).
        ///
        /// - Throws: ``RequestError`` naming the first value out of range.
        public func validate() throws {
            func check(_ ok: Bool, _ message: String) throws { if !ok { throw RequestError(message: message) } }
            try check(
                (1...ProxyBenchmark.maxDaemons).contains(daemons),
                "--daemons must be in 1…\(ProxyBenchmark.maxDaemons), got \(daemons)")
            try check((1...256).contains(workersPerDaemon), "--workers must be in 1…256, got \(workersPerDaemon)")
            try check(
                frames >= daemons && frames <= ProxyBenchmark.maxFrames,
                "--frames must be in \(daemons) (one per daemon)…\(ProxyBenchmark.maxFrames), got \(frames)")
            try check(load.isFinite && load > 0 && load <= 100, "--load must be in (0, 100], got \(load)")
            if let capacity {
                try check(
                    capacity.isFinite && capacity > 0 && capacity <= 10_000_000,
                    "--capacity must be in (0, 10^7] frames/s, got \(capacity)")
            }
            try check(
                (100...1_000_000).contains(capacityFrames),
                "--capacity-frames must be in 100…10^6, got \(capacityFrames)")
            try check(
                (1...ProxyBenchmark.maxUEsPerDaemon).contains(uesPerDaemon),
                "--ues must be in 1…\(ProxyBenchmark.maxUEsPerDaemon) (below the daemon's queue.max_ues), got \(uesPerDaemon)"
            )
            try check((1...100_000).contains(distinct), "--distinct must be in 1…100000, got \(distinct)")
        }
    }

    /// A request value out of range.
    public struct RequestError: Error, Sendable, CustomStringConvertible {
        /// Names the option and the accepted range.
        public let message: String
        public var description: String { message }
    }

    static let maxDaemons = 16
    /// The consumer keeps a few bytes and one instant per frame.
    static let maxFrames = 10_000_000
    /// One less than the daemon's default `queue.max_ues` (1024): the probes' UE is the next one.
    static let maxUEsPerDaemon = 1023
    /// Receiver of daemon i is `firstReceiver + i`.
    static let firstReceiver: UInt32 = 1

    /// The figures and verdicts.
    public var report: ProxyReport

    /// Measures (or takes) one daemon's capacity, then runs the site. `progress` receives a line now and then.
    ///
    /// - Throws: ``RequestError``, scene errors, daemon start errors, `ZMQError`, ``DaemonHarness/HarnessError``.
    public static func run(_ request: Request, progress: (String) -> Void = { _ in }) throws -> ProxyBenchmark {
        try request.validate()
        let scenePath = URL(fileURLWithPath: request.scenePath).standardizedFileURL.path
        let scene = try Scene.load(contentsOf: scenePath)
        let sim = ChannelSimulator(scene: scene)
        let test = TestSet.simulate(sim, count: request.distinct, seed: 11)
        let frames = try DaemonBenchmark.benchmarkFrames(sim, test: test)
        let encoded = try frames.map(EncodedFrame.init)
        let capacity: ProxyReport.Capacity
        if let given = request.capacity {
            capacity = ProxyReport.Capacity(rate: given, measuredFrames: 0, latencyP50Ms: .nan)
        } else {
            progress(
                String(
                    format: "bench proxy: measuring one daemon's capacity (%d workers, %d frames closed loop)",
                    request.workersPerDaemon, request.capacityFrames))
            var single = DaemonBenchmark.Request(scenePath: scenePath, workers: request.workersPerDaemon)
            single.frames = request.capacityFrames
            single.method = request.method
            var probe = frames[0]
            probe.header.receiverID = DaemonBenchmark.probeReceiver
            let through = try DaemonBenchmark.runDaemon(single, scenePath: scenePath, frames: encoded, probe: probe)
            capacity = ProxyReport.Capacity(
                rate: through.rate, measuredFrames: request.capacityFrames,
                latencyP50Ms: through.latencyMs.quantile(0.5))
        }
        let target = request.load * capacity.rate
        progress(
            String(
                format:
                    "bench proxy: %d daemons × %d workers on %d cores, oracle(%@) %d×%d, %@; one daemon %.0f frames/s (%@); offering %d frames at %.0f/s (%.2f×) over %d UEs per daemon",
                request.daemons, request.workersPerDaemon, ProcessInfo.processInfo.activeProcessorCount, scene.name,
                sim.antennaCount, sim.subcarrierCount, request.method.rawValue, capacity.rate,
                capacity.measuredFrames > 0 ? "measured" : "given", request.frames, target, request.load,
                request.uesPerDaemon))
        var site = try ProxySite(request: request, scenePath: scenePath, frames: encoded)
        defer { site.close() }
        try site.handshake()
        let outcome = try site.offer(rate: target)
        return ProxyBenchmark(
            report: ProxyReport(
                scene: scene.name, shape: [sim.antennaCount, sim.subcarrierCount], method: request.method.rawValue,
                cores: ProcessInfo.processInfo.activeProcessorCount, workersPerDaemon: request.workersPerDaemon,
                uesPerDaemon: request.uesPerDaemon, capacity: capacity, load: request.load, targetRate: target,
                offered: outcome.offered, daemons: outcome.daemons, site: outcome.site
            ).summarized())
    }

    /// A site daemon: ``DaemonBenchmark``'s configuration (loopback TCP on free ports, no metrics endpoint, errors
    /// only) with the defaults a site runs for the queue (`per_ue: 1`, latest wins) and the fix socket's
    /// high-water mark, subscribed to its receiver's frames only.
    static func configuration(_ request: Request, scenePath: String, receiver: UInt32) -> DaemonConfiguration {
        var single = DaemonBenchmark.Request(scenePath: scenePath, workers: request.workersPerDaemon)
        single.method = request.method
        var c = DaemonBenchmark.configuration(single, scenePath: scenePath)
        let defaults = DaemonConfiguration(model: c.model)
        c.queue = defaults.queue
        c.output.sendHighWaterMark = defaults.output.sendHighWaterMark
        c.input.topics = [WireTopic.prefix(.csi, receiverID: receiver)]
        return c
    }
}
