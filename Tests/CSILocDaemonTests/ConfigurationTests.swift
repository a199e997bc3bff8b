import CSIChannel
import CSISearch
import Foundation
import StrictYAML
import Testing

@testable import CSILocDaemon

/// Configuration errors name file, line and key; `--check` exits 78 on them and 0 on a good file.
struct ConfigurationTests {
    static let scene = tinyScenePath

    @Test func defaultsAndShippedExample() throws {
        let c = try DaemonConfiguration.parse(yaml: "model: {oracle_scene: \(Self.scene)}", file: "min.yaml")
        #expect(c.input.endpoint == "tcp://127.0.0.1:5555" && !c.input.bind)
        #expect(c.output.endpoint == "tcp://127.0.0.1:5556" && c.output.bind)
        #expect(c.workers == 0 && c.resolvedWorkers >= 1)
        #expect(c.queue.perUE == 1 && c.queue.maxUEs == 1024)
        #expect(c.metrics.address == ListenAddress(parsing: "127.0.0.1:9464"))
        #expect(c.search.method == .robust && c.search.localizerConfiguration == .init())
        #expect(c.log.level == "info" && c.log.format == .logfmt)
        // The shipped etc/csilocd.yaml parses (its model file is absent here, which --check reports).
        let shipped = try DaemonConfiguration.load(contentsOf: repositoryRoot + "/etc/csilocd.yaml")
        #expect(shipped.model.path == "/var/lib/csilocd/model.csimodel")
        #expect(shipped.search == (try DaemonConfiguration.parse(yaml: "model: {path: x}", file: "x").search))
    }

    @Test func aValueWithDefaultsEqualsTheParsedMinimalFile() throws {
        let parsed = try DaemonConfiguration.parse(yaml: "model: {oracle_scene: /abs/scene.yaml}", file: "min.yaml")
        #expect(DaemonConfiguration(model: ModelSettings(oracleScene: "/abs/scene.yaml")) == parsed)
        let off = try DaemonConfiguration.parse(yaml: "model: {path: /m}\nmetrics: {listen: off}", file: "off.yaml")
        #expect(MetricsSettings.disabled == off.metrics && MetricsSettings.disabled.address == nil)
    }

    @Test func overridesReachTheLocalizerConfiguration() throws {
        let yaml = """
            model: {oracle_scene: scene.yaml}
            search:
              method: offgrid-pi
              region: {x: [-1, 1], y: [-2, 2], z: 0.5}
              max_iterations: 30
              circles: false
              nuisance: phase-gain
              noise_snr_db: 20
              model_quality: false
              model_error_sigmas: 3
              untrusted_ambiguity: 0.75
              flag_ambiguous: false
              runner_up_alignment: 0.45
              runner_up_sigmas: 3
            metrics: {listen: off}
            """
        let c = try DaemonConfiguration.parse(yaml: yaml, file: "/etc/csilocd/x.yaml")
        let l = c.search.localizerConfiguration
        #expect(l.maxIterations == 30 && !l.circles && l.nuisance == .phaseAndGain && l.noiseFloor == .snrDB(20))
        #expect(!l.modelQuality && l.modelErrorSigmas == 3 && l.untrustedAmbiguity == 0.75)
        #expect(!l.flagAmbiguous && l.runnerUpAlignment == 0.45 && l.runnerUpSigmas == 3)
        #expect(l.refinement == .adam) // from the offgrid-pi preset
        #expect(l.region?.lower.y == -2 && l.region?.upper.z == 0.5)
        #expect(c.metrics.address == nil)
        #expect(c.model.oracleScene == "/etc/csilocd/scene.yaml") // relative to the config file
    }

    /// (yaml, expected line, expected dotted key, fragment of the message)
    static let bad: [(String, Int, String, String)] = [
        ("model: {oracle_scene: s.yaml}\ninputs:\n  endpoint: tcp://x:1\n", 2, "inputs", "unknown key 'inputs'"),
        (
            "model: {oracle_scene: s.yaml}\ninput:\n  bind: true\n  endpont: tcp://x:1\n", 4, "input.endpont",
            "unknown key"
        ),
        ("model: {oracle_scene: s.yaml}\nworkers: many\n", 2, "workers", "wrong type"),
        ("model: {oracle_scene: s.yaml}\ninput:\n  bind: maybe\n", 3, "input.bind", "wrong type"),
        ("model: {oracle_scene: s.yaml}\nworkers: 1000\n", 2, "workers", "0...256"),
        ("model: {oracle_scene: s.yaml}\nqueue:\n  per_ue: 0\n", 3, "queue.per_ue", "1...1024"),
        ("model: {oracle_scene: s.yaml}\nsearch:\n  method: esprit\n", 3, "search.method", "unknown method"),
        ("model: {oracle_scene: s.yaml}\nsearch:\n  global_spacing_m: -1\n", 3, "search.global_spacing_m", "> 0"),
        (
            "model: {oracle_scene: s.yaml}\nsearch:\n  untrusted_ambiguity: 1.5\n", 3, "search.untrusted_ambiguity",
            "0...1"
        ),
        (
            "model: {oracle_scene: s.yaml}\nsearch:\n  model_error_sigmas: -1\n", 3, "search.model_error_sigmas",
            "0...10"
        ),
        (
            "model: {oracle_scene: s.yaml}\nsearch:\n  model_quality: sometimes\n", 3, "search.model_quality",
            "wrong type"
        ),
        ("model: {oracle_scene: s.yaml}\noutput:\n  endpoint: 5556\n", 3, "output.endpoint", "not a ZeroMQ endpoint"),
        ("model: {oracle_scene: s.yaml}\nmetrics:\n  listen: localhost\n", 3, "metrics.listen", "host:port"),
        ("model: {oracle_scene: s.yaml}\nlog:\n  level: loud\n", 3, "log.level", "must be one of"),
        ("model:\n  path: a.csimodel\n  oracle_scene: s.yaml\n", 3, "model.oracle_scene", "not both"),
        ("workers: 1\nmodel: {}\n", 2, "model", "give model.path"),
    ]

    @Test(arguments: 0..<bad.count)
    func errorsAreLocated(index: Int) throws {
        let (yaml, line, key, fragment) = Self.bad[index]
        do {
            _ = try DaemonConfiguration.parse(yaml: yaml, file: "bad.yaml")
            Issue.record("accepted: \(yaml)")
        } catch let error as YAMLFileError {
            #expect(error.file == "bad.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.path == key, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test func checkExitCodes() throws {
        let dir = makeTemporaryDirectory("check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.yaml", missingModel = dir + "/missing.yaml", unknown = dir + "/unknown.yaml"
        try "model: {oracle_scene: \(Self.scene)}\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "workers: 1\nmodel:\n  path: nowhere.csimodel\n".write(
            toFile: missingModel, atomically: true, encoding: .utf8)
        try "model: {oracle_scene: \(Self.scene)}\nmetric: {}\n".write(
            toFile: unknown, atomically: true, encoding: .utf8)
        #expect(DaemonCommand.check(configPath: good) == 0)
        #expect(DaemonCommand.check(configPath: missingModel) == 78)
        #expect(DaemonCommand.check(configPath: unknown) == 78)
        #expect(DaemonCommand.check(configPath: dir + "/absent.yaml") == 78)
        // A missing model is located at its key.
        let config = try DaemonConfiguration.load(contentsOf: missingModel)
        #expect(throws: YAMLFileError.self) {
            _ = try ServingModel.load(
                config, configFile: missingModel, configText: try String(contentsOfFile: missingModel, encoding: .utf8),
                generation: 1, width: 1)
        }
        do {
            _ = try ServingModel.load(
                config, configFile: missingModel, configText: try String(contentsOfFile: missingModel, encoding: .utf8),
                generation: 1, width: 1)
        } catch let error as YAMLFileError {
            #expect(error.line == 3 && error.path == "model.path")
            #expect(error.description.contains("nowhere.csimodel"))
        }
    }

    @Test func commandLineParsing() {
        #expect(DaemonCommand.parse(["--config", "a.yaml"]) == .init(configPath: "a.yaml", checkOnly: false))
        #expect(DaemonCommand.parse(["--config=a.yaml", "--check"]) == .init(configPath: "a.yaml", checkOnly: true))
        #expect(DaemonCommand.parse(["--check"]) == nil)
        #expect(DaemonCommand.parse(["--config"]) == nil)
        #expect(DaemonCommand.parse(["--config", "a", "--bogus"]) == nil)
    }
}
