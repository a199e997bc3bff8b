import CSISearch
import Foundation
import Logging
import ServiceLifecycle
import StrictYAML
import UnixSignals

/// The `csilocd` command line: `csilocd --config FILE [--check]`. Lives in the library so tests can run it
/// in-process and check exit codes; the executable's `main` only calls ``run(arguments:)``.
///
/// Exit codes follow sysexits(3): 0 success, 64 usage error, 78 (`EX_CONFIG`) configuration or model error,
/// 1 any other start-up or run-time failure. `RestartPreventExitStatus=78` in the unit keeps systemd from
/// restarting a daemon whose configuration cannot work.
public enum DaemonCommand {
    static let exitOK: Int32 = 0
    static let exitUsage: Int32 = 64
    static let exitConfig: Int32 = 78
    static let exitFailure: Int32 = 1

    static let usage = """
        usage: csilocd --config FILE [--check]
          --config FILE   YAML configuration (see etc/csilocd.yaml)
          --check         validate the configuration, load the model, build the localizer and localize one
                          synthetic frame, as a start or reload would; then exit (0 ok, 78 error)
        Runs in the foreground; SIGTERM/SIGINT drain and exit, SIGHUP reloads configuration and model.
        """

    /// Parsed arguments.
    struct Arguments: Equatable {
        var configPath: String
        var checkOnly: Bool
    }

    static func parse(_ arguments: [String]) -> Arguments? {
        var config: String?
        var check = false
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--config", "-c":
                guard i + 1 < arguments.count else { return nil }
                config = arguments[i + 1]
                i += 1
            case "--check", "--check-config": check = true
            default:
                if arguments[i].hasPrefix("--config=") {
                    config = String(arguments[i].dropFirst("--config=".count))
                } else {
                    return nil
                }
            }
            i += 1
        }
        return config.map { Arguments(configPath: $0, checkOnly: check) }
    }

    /// Runs the command; `arguments` excludes the program name. Returns the process exit code.
    public static func run(arguments: [String]) async -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            return exitOK
        }
        guard let args = parse(arguments) else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return exitUsage
        }
        return args.checkOnly ? check(configPath: args.configPath) : await serve(configPath: args.configPath)
    }

    /// `--check`: exactly what a start or a reload does before serving — parse the configuration, load and
    /// validate the model, validate the search and build the localizer (`ServingModel.load`, which also localizes
    /// the model's own channel at the region's centre once) — then prints a summary.
    static func check(configPath: String) -> Int32 {
        do {
            let configuration = try DaemonConfiguration.load(contentsOf: configPath)
            let text = try StrictYAML.readFile(configPath)
            let model = try ServingModel.load(
                configuration, configFile: configPath, configText: text, generation: 1,
                width: ProcessInfo.processInfo.activeProcessorCount)
            print(
                """
                \(configPath): OK
                  model: \(model.identity) (\(model.antennaCount) antennas × \(model.subcarrierCount) subcarriers, frame '\(model.frameName)')
                  search: \(configuration.search.method.rawValue), \(model.localizer.dictionary.nodes.count) cached grid nodes (\((model.localizer.dictionary.memoryBytes + 524_288) >> 20) MiB), \(model.localizer.localGridSize) local nodes, \(model.localizer.circleSize) circle points; dry localization ok
                  input: \(configuration.input.bind ? "bind" : "connect") \(configuration.input.endpoint)
                  output: \(configuration.output.bind ? "bind" : "connect") \(configuration.output.endpoint)
                  workers: \(configuration.resolvedWorkers), queue: \(configuration.queue.perUE) per UE × \(configuration.queue.maxUEs) UEs
                  metrics: \(configuration.metrics.address?.description ?? "off")
                  curve: \(configuration.curve.map { "\($0.summary) (\($0.secretKeyFile ?? "set in code"))" } ?? "off")
                """)
            for warning in Daemon.exposureWarnings(configuration) { print("  warning: \(warning)") }
            return exitOK
        } catch {
            FileHandle.standardError.write(Data("csilocd: \(error)\n".utf8))
            return exitConfig
        }
    }

    /// Runs the daemon until SIGTERM/SIGINT.
    static func serve(configPath: String) async -> Int32 {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(contentsOf: configPath)
        } catch {
            FileHandle.standardError.write(Data("csilocd: \(error)\n".utf8))
            return exitConfig
        }
        let control = LineLogHandler.LevelControl(Logger.Level(rawValue: configuration.log.level) ?? .info)
        LoggingSystem.bootstrap { label in
            LineLogHandler(label: label, format: configuration.log.format, control: control)
        }
        let logger = Logger(label: "csilocd")
        let daemon: Daemon
        do {
            daemon = try Daemon(configPath: configPath, logger: logger, levelControl: control)
        } catch {
            logger.critical("cannot start", metadata: ["error": .string("\(error)")])
            return error is YAMLFileError ? exitConfig : exitFailure
        }
        do {
            try daemon.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": .string("\(error)")])
            daemon.stop()
            return exitFailure
        }
        let group = ServiceGroup(
            services: daemon.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            logger.critical("service group failed", metadata: ["error": .string("\(error)")])
            daemon.stop()
            return exitFailure
        }
        return exitOK
    }
}
