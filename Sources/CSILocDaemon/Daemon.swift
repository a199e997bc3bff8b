import CSISearch
import Foundation
public import Logging
import ServiceLifecycle
import StrictYAML
import Synchronization

/// One running `csilocd`: the configuration it was started with, the pipeline, the metrics endpoint, and
/// the reload logic. The `csilocd` executable wraps it in a `ServiceGroup` (``services``); tests drive it
/// directly (``start()``, ``reload()``, ``stop()``).
///
/// What a reload (SIGHUP) changes: the model and the search settings (swapped atomically: frames in flight
/// finish with the old model, the next frame uses the new one) and `log.level`. Sockets, workers, queue
/// bounds, tracking and the metrics address stay as started; a change to them is logged as "needs a restart". On any
/// error the old configuration and model stay and the error is logged and counted.
public final class Daemon: Sendable {
    /// The configuration file this daemon reads (again on reload); nil for a daemon made from a configuration
    /// value, which cannot reload.
    package let configPath: String?
    /// The daemon's counters and gauges (the `/metrics` endpoint).
    public let metrics: DaemonMetrics
    /// The frame pipeline: queue, workers, model and publisher.
    public let pipeline: Pipeline
    private let logger: Logger
    private let levelControl: LineLogHandler.LevelControl?
    private let current: Mutex<DaemonConfiguration>
    private let reloadInProgress = Mutex(false)
    private let metricsServer: Mutex<MetricsHTTPServer?> = Mutex(nil)
    private let generation = Atomic(1)
    private let stopped = Atomic(false)

    /// Loads the configuration file and the model and creates the output socket; nothing runs until ``start()``.
    /// ``reload()`` re-reads the file.
    ///
    /// - Throws: `YAMLFileError` (configuration or model, located), `ZMQError` (output endpoint).
    public convenience init(configPath: String, logger: Logger, levelControl: LineLogHandler.LevelControl? = nil) throws
    {
        let text = try StrictYAML.readFile(configPath)
        let configuration = try DaemonConfiguration.parse(yaml: text, file: configPath)
        try self.init(
            configuration: configuration, source: (configPath, text), logger: logger, levelControl: levelControl)
    }

    /// Loads the model of `configuration` and creates the output socket; nothing runs until ``start()``.
    ///
    /// The value is used as given: the range checks of the YAML decoder do not run on it (build it with
    /// ``DaemonConfiguration/init(model:)`` and change fields, or parse YAML for untrusted input); the search
    /// configuration is validated against the model as always. Relative model paths are relative to the
    /// working directory. Such a daemon has no file to reload: ``reload()`` fails (and counts the failure).
    ///
    /// - Throws: `YAMLFileError` (model, located at its key in `<configuration>`), `ZMQError` (output endpoint).
    public convenience init(
        configuration: DaemonConfiguration, logger: Logger, levelControl: LineLogHandler.LevelControl? = nil
    ) throws {
        try self.init(configuration: configuration, source: nil, logger: logger, levelControl: levelControl)
    }

    /// - Parameter source: the file the configuration was read from and its text (for reloads and error locations).
    private init(
        configuration: DaemonConfiguration, source: (path: String, text: String)?, logger: Logger,
        levelControl: LineLogHandler.LevelControl?
    ) throws {
        configPath = source?.path
        self.logger = logger
        self.levelControl = levelControl
        let model = try ServingModel.load(
            configuration, configFile: source?.path ?? Self.valueSource, configText: source?.text,
            generation: 1, width: ProcessInfo.processInfo.activeProcessorCount)
        current = Mutex(configuration)
        metrics = DaemonMetrics()
        pipeline = try Pipeline(configuration: configuration, model: model, metrics: metrics, logger: logger)
        levelControl?.level = Logger.Level(rawValue: configuration.log.level) ?? .info
    }

    /// How errors name the configuration of a daemon made from a value.
    static let valueSource = "<configuration>"

    /// The configuration in effect (after the last successful reload).
    public var configuration: DaemonConfiguration { current.withLock { $0 } }

    /// The port `/metrics` listens on, when enabled and started.
    var metricsPort: UInt16? { metricsServer.withLock { $0?.port } }

    /// Starts the metrics endpoint, the workers and the receive thread, then tells systemd `READY=1`.
    /// Blocks briefly (socket setup): call it from the main thread or a dedicated one.
    public func start() throws {
        let configuration = self.configuration
        if let address = configuration.metrics.address {
            let stall = configuration.watchdog.stallSeconds
            let server = try MetricsHTTPServer(
                address: address, exposition: { [metrics] in metrics.exposition() },
                health: { [pipeline] in pipeline.isMakingProgress(stallSeconds: stall) })
            metricsServer.withLock { $0 = server }
        }
        do {
            try pipeline.start()
        } catch {
            metricsServer.withLock {
                $0?.stop(); $0 = nil
            }
            throw error
        }
        let model = pipeline.currentModel
        for warning in Self.exposureWarnings(configuration) { logger.warning("\(warning)") }
        logger.info(
            "serving",
            metadata: [
                "input": .string(configuration.input.endpoint),
                "input_bind": .stringConvertible(configuration.input.bind),
                "output": .string(pipeline.outputEndpoint), "model": .string(model.identity),
                "shape": .string("\(model.antennaCount)x\(model.subcarrierCount)"),
                "method": .string(configuration.search.method.rawValue),
                "workers": .stringConvertible(configuration.resolvedWorkers),
                "curve": .string(configuration.curve?.summary ?? "off"),
                "metrics": .string(metricsPort.map { "\(configuration.metrics.address!.host):\($0)" } ?? "off"),
            ])
        SDNotify.ready(status: "serving \(model.antennaCount)x\(model.subcarrierCount) frames")
    }

    /// Re-reads the configuration file and the model and swaps them in; on any error keeps the old ones.
    /// Returns whether the new configuration is in effect. Runs the (CPU-heavy) model build on its own thread.
    @discardableResult
    func reload() async -> Bool {
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                nameCurrentThread("csilocd-reload")
                continuation.resume(returning: reloadBlocking())
            }
            thread.name = "csilocd-reload"
            thread.start()
        }
    }

    /// ``reload()`` without the thread hop, for callers already off the cooperative pool.
    package func reloadBlocking() -> Bool {
        let busy = reloadInProgress.withLock { busy in
            defer { busy = true }
            return busy
        }
        guard !busy else {
            logger.warning("reload already in progress; request ignored")
            return false
        }
        defer { reloadInProgress.withLock { $0 = false } }
        SDNotify.reloading()
        defer { SDNotify.ready(status: "serving (generation \(pipeline.currentModel.generation))") }
        logger.info("reloading", metadata: ["config": .string(configPath ?? Self.valueSource)])
        let next: DaemonConfiguration
        let model: ServingModel
        do {
            guard let configPath else {
                throw YAMLFileError(
                    file: Self.valueSource, line: nil, column: nil, path: "",
                    message: "this daemon was made from a configuration value: there is no file to reload", snippet: nil
                )
            }
            let text = try StrictYAML.readFile(configPath)
            next = try DaemonConfiguration.parse(yaml: text, file: configPath)
            model = try ServingModel.load(
                next, configFile: configPath, configText: text,
                generation: generation.add(1, ordering: .relaxed).newValue,
                width: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            metrics.reload(succeeded: false)
            logger.error(
                "reload failed; keeping the running configuration and model", metadata: ["error": .string("\(error)")])
            return false
        }
        let previous = configuration
        for key in Self.restartOnlyChanges(from: previous, to: next) {
            logger.warning(
                "configuration key changed but needs a restart; still using the old value",
                metadata: ["key": .string(key)])
        }
        pipeline.swap(model: model)
        if let curve = next.curve, previous.curve?.withoutAllowLists == curve.withoutAllowLists {
            pipeline.updateAllowLists(curve)
        }
        current.withLock {
            $0.model = next.model
            $0.search = next.search
            $0.log.level = next.log.level
            if let curve = next.curve, $0.curve?.withoutAllowLists == curve.withoutAllowLists { $0.curve = curve }
        }
        levelControl?.level = Logger.Level(rawValue: next.log.level) ?? .info
        metrics.reload(succeeded: true)
        logger.info(
            "reloaded",
            metadata: [
                "model": .string(model.identity), "generation": .stringConvertible(model.generation),
                "method": .string(next.search.method.rawValue),
            ])
        return true
    }

    /// Drains the pipeline (every accepted frame is localized and its fix published), then stops the
    /// metrics endpoint. Blocking; idempotent.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        SDNotify.stopping()
        pipeline.drainAndStop()
        metricsServer.withLock {
            $0?.stop(); $0 = nil
        }
        let s = metrics.snapshot()
        logger.info(
            "stopped",
            metadata: [
                "received": .stringConvertible(s.received), "processed": .stringConvertible(s.processed),
                "superseded": .stringConvertible(s.superseded), "dropped": .stringConvertible(s.dropped),
                "rejected": .stringConvertible(s.rejected), "published": .stringConvertible(s.published),
            ])
    }

    /// The lifecycle services of this daemon: SIGHUP handling plus drain on shutdown, the watchdog, and the
    /// return of freed memory after a burst.
    var services: [any Service] {
        [
            DaemonService(daemon: self),
            WatchdogService(
                interval: SDNotify.watchdogInterval, stallSeconds: configuration.watchdog.stallSeconds,
                pipeline: pipeline, logger: logger),
            MemoryReclaimService(trimmer: pipeline.trimmer, logger: logger),
        ]
    }

    /// Dotted keys whose change a reload cannot apply.
    static func restartOnlyChanges(from a: DaemonConfiguration, to b: DaemonConfiguration) -> [String] {
        var keys: [String] = []
        if a.input != b.input { keys.append("input") }
        if a.output != b.output { keys.append("output") }
        if a.workers != b.workers { keys.append("workers") }
        if a.queue != b.queue { keys.append("queue") }
        if a.metrics != b.metrics { keys.append("metrics") }
        if a.log.format != b.log.format || a.log.rejectionIntervalSeconds != b.log.rejectionIntervalSeconds {
            keys.append("log")
        }
        if a.watchdog != b.watchdog { keys.append("watchdog") }
        if a.tracking != b.tracking { keys.append("tracking") }
        // The allow-lists are reloaded; everything else under `curve` is fixed at start.
        if a.curve?.withoutAllowLists != b.curve?.withoutAllowLists { keys.append("curve") }
        return keys
    }

    /// One line per socket bound to a network address without CURVE (logged at start, printed by `--check`).
    static func exposureWarnings(_ configuration: DaemonConfiguration) -> [String] {
        var warnings: [String] = []
        let input = configuration.input, output = configuration.output
        let inputEncrypted = configuration.curve.map { $0.input != .plaintext } ?? false
        let outputEncrypted = configuration.curve.map { $0.output != .plaintext } ?? false
        if input.bind, !inputEncrypted, EndpointExposure(endpoint: input.endpoint) == .network {
            warnings.append(
                "input binds the non-loopback address \(input.endpoint) without CURVE: anyone who can reach it can inject CSI frames (docs/daemon.md, Security)"
            )
        }
        if output.bind, !outputEncrypted, EndpointExposure(endpoint: output.endpoint) == .network {
            warnings.append(
                "output binds the non-loopback address \(output.endpoint) without CURVE: anyone who can reach it can read the fixes (docs/daemon.md, Security)"
            )
        }
        return warnings
    }
}
