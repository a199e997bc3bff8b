import Foundation
import StrictYAML
import Testing
import ZMQ

@testable import CSILocDaemon

/// Key files written once per test into `<dir>/keys/` (ZeroMQ certificates, as `csiloc keygen` writes them).
struct TestKeys {
    let directory: String
    let daemon, consumer, publisher, stranger: CurveKeyPair

    init(_ directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        daemon = try CurveKeyPair.generate()
        consumer = try CurveKeyPair.generate()
        publisher = try CurveKeyPair.generate()
        stranger = try CurveKeyPair.generate()
        for (name, pair) in [
            ("daemon", daemon), ("consumer", consumer), ("publisher", publisher), ("stranger", stranger),
        ] {
            try CurveCertificateFile.write(pair, prefix: directory + "/keys/" + name)
        }
    }
}

/// `curve:` in the daemon's YAML: roles from `input.bind`, relative key paths, and every mistake named at its
/// key with the file concerned.
struct CurveConfigurationTests {
    static let model = "model: {oracle_scene: \(tinyScenePath)}\n"

    @Test func rolesFollowTheInputTopology() throws {
        let dir = makeTemporaryDirectory("curve-roles")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = try TestKeys(dir)
        let file = dir + "/c.yaml"
        let bound = try DaemonConfiguration.parse(
            yaml: Self.model + """
                input: {bind: true}
                curve:
                  secret_key: keys/daemon.key_secret
                  input_clients: [keys/publisher.key, keys/stranger.key]
                  output_clients: [keys/consumer.key]
                """, file: file)
        let curve = try #require(bound.curve)
        #expect(curve.keyPair == keys.daemon && curve.secretKeyFile == dir + "/keys/daemon.key_secret")
        #expect(curve.input == .server(clients: [keys.publisher.publicKey, keys.stranger.publicKey]))
        #expect(curve.output == .server(clients: [keys.consumer.publicKey]))
        #expect(
            curve.allowLists == [
                CurveSettings.inputDomain: [keys.publisher.publicKey, keys.stranger.publicKey],
                CurveSettings.outputDomain: [keys.consumer.publicKey],
            ])
        #expect(curve.inputSocketSecurity == .curveServer(keyPair: keys.daemon, zapDomain: "csilocd-input"))

        let connected = try DaemonConfiguration.parse(
            yaml: Self.model + """
                curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output: false}
                """, file: file)
        #expect(connected.curve?.input == .client(serverKey: keys.publisher.publicKey))
        #expect(connected.curve?.output == .plaintext)
        #expect(connected.curve?.allowLists.isEmpty == true) // no server role: no ZAP handler
        #expect(
            connected.curve?.inputSocketSecurity
                == .curveClient(keyPair: keys.daemon, serverKey: keys.publisher.publicKey))

        let outputOnly = try DaemonConfiguration.parse(
            yaml: Self.model + """
                curve: {secret_key: \(dir)/keys/daemon.key_secret, input: false, output_clients: [keys/consumer.key]}
                """, file: file)
        #expect(outputOnly.curve?.input == .plaintext && outputOnly.curve?.outputSocketSecurity.isEncrypted == true)
        #expect(try DaemonConfiguration.parse(yaml: Self.model, file: file).curve == nil)
        #expect(!"\(bound)".contains(keys.daemon.secretKey.z85)) // the secret never prints
    }

    /// (YAML after the model line, dotted key, fragments of the message, expected line or nil for "any")
    static let bad: [(String, String, [String], Int?)] = [
        (
            "curve: {secret_key: keys/absent.key_secret, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key]}",
            "curve.secret_key", ["keys/absent.key_secret", "No such file"], 2
        ),
        (
            "curve: {secret_key: keys/open.key_secret, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key]}",
            "curve.secret_key", ["keys/open.key_secret", "mode 644", "chmod 600"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key]}",
            "curve.secret_key", ["keys/daemon.key", "no 'secret-key'"], 2
        ),
        (
            "curve: {secret_key: '', input_server_key: keys/publisher.key, output_clients: [keys/consumer.key]}",
            "curve.secret_key", ["must not be empty"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key}",
            "curve.output_clients", ["required with curve.output: true"], nil
        ),
        (
            "curve:\n  secret_key: keys/daemon.key_secret\n  input_server_key: keys/publisher.key\n  output_clients:\n    - keys/consumer.key\n    - keys/absent.key\n",
            "curve.output_clients[1]", ["keys/absent.key", "No such file"], 7
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key_secret]}",
            "curve.output_clients[0]", ["consumer.key_secret", "holds a secret key"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key, keys/consumer-copy.key]}",
            "curve.output_clients[1]", ["consumer-copy.key", "same public key as entry [0]"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output_clients: []}",
            "curve.output_clients", ["at least one"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output: false, output_clients: [keys/consumer.key]}",
            "curve.output_clients", ["only with curve.output: true"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_clients: [keys/publisher.key], output_clients: [keys/consumer.key]}",
            "curve.input_clients", ["only with input.bind: true"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, output_clients: [keys/consumer.key]}",
            "curve.input_server_key", ["required with input.bind: false"], nil
        ),
        (
            "input: {bind: true}\ncurve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key]}",
            "curve.input_server_key", ["only with input.bind: false"], 3
        ),
        (
            "input: {bind: true}\ncurve: {secret_key: keys/daemon.key_secret, output_clients: [keys/consumer.key]}",
            "curve.input_clients", ["required with input.bind: true"], nil
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key_secret, output_clients: [keys/consumer.key]}",
            "curve.input_server_key", ["publisher.key_secret", "holds a secret key"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input: false, input_server_key: keys/publisher.key, output_clients: [keys/consumer.key]}",
            "curve.input_server_key", ["only with curve.input: true"], 2
        ),
        (
            "curve: {secret_key: keys/daemon.key_secret, input: false, output: false}",
            "curve.output", ["neither input nor output"], 2
        ),
        ("curve: {secret_key: keys/daemon.key_secret, secret: x}", "curve.secret", ["unknown key 'secret'"], 2),
        ("curve: {input: false}", "curve", ["secret_key"], 2),
        ("curve: keys/daemon.key_secret", "curve", ["wrong type"], 2),
    ]

    @Test(arguments: 0..<bad.count)
    func mistakesAreNamedWithTheirFile(index: Int) throws {
        let dir = makeTemporaryDirectory("curve-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TestKeys(dir)
        try FileManager.default.copyItem(atPath: dir + "/keys/daemon.key_secret", toPath: dir + "/keys/open.key_secret")
        chmod(dir + "/keys/open.key_secret", 0o644)
        try FileManager.default.copyItem(atPath: dir + "/keys/consumer.key", toPath: dir + "/keys/consumer-copy.key")
        let (yaml, key, fragments, line) = Self.bad[index]
        let file = dir + "/bad.yaml"
        do {
            _ = try DaemonConfiguration.parse(yaml: Self.model + yaml, file: file)
            Issue.record("accepted: \(yaml)")
        } catch let error as YAMLFileError {
            #expect(error.file == file)
            #expect(error.path == key, "\(error)")
            if let line { #expect(error.line == line, "\(error)") }
            for fragment in fragments { #expect(error.description.contains(fragment), "\(error)") }
        }
    }

    @Test func nonLoopbackBindsWithoutCurveAreWarnedAbout() throws {
        let cases: [(String, EndpointExposure)] = [
            ("tcp://127.0.0.1:5556", .loopback), ("tcp://127.1.2.3:*", .loopback), ("tcp://localhost:5556", .loopback),
            ("tcp://[::1]:5556", .loopback), ("tcp://lo:5556", .loopback), ("tcp://*:5556", .network),
            ("tcp://0.0.0.0:5556", .network), ("tcp://eth0:5556", .network), ("tcp://192.168.1.2:5556", .network),
            ("tcp://[::]:5556", .network), ("tcp://10.0.0.1;127.0.0.1:5556", .loopback), ("ipc:///run/x.ipc", .local),
            ("inproc://x", .local), ("epgm://eth0;239.192.1.1:5555", .network),
        ]
        for (endpoint, expected) in cases { #expect(EndpointExposure(endpoint: endpoint) == expected, "\(endpoint)") }

        let dir = makeTemporaryDirectory("curve-warn")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TestKeys(dir)
        let open = try DaemonConfiguration.parse(
            yaml: Self.model + """
                input: {endpoint: "tcp://*:5555", bind: true}
                output: {endpoint: "tcp://0.0.0.0:5556"}
                """, file: dir + "/c.yaml")
        let warnings = Daemon.exposureWarnings(open)
        #expect(warnings.count == 2)
        #expect(warnings[0].contains("tcp://*:5555") && warnings[0].contains("inject"))
        #expect(warnings[1].contains("tcp://0.0.0.0:5556") && warnings[1].contains("read the fixes"))
        let halfOpen = try DaemonConfiguration.parse(
            yaml: Self.model + """
                input: {endpoint: "tcp://*:5555", bind: true}
                output: {endpoint: "tcp://0.0.0.0:5556"}
                curve: {secret_key: keys/daemon.key_secret, input: false, output_clients: [keys/consumer.key]}
                """, file: dir + "/c.yaml")
        #expect(Daemon.exposureWarnings(halfOpen).count == 1 && Daemon.exposureWarnings(halfOpen)[0].contains("inject"))
        // The defaults (loopback) and a connecting input never warn.
        #expect(Daemon.exposureWarnings(try DaemonConfiguration.parse(yaml: Self.model, file: "x.yaml")).isEmpty)
        #expect(
            Daemon.exposureWarnings(
                try DaemonConfiguration.parse(
                    yaml: Self.model + "input: {endpoint: 'tcp://gnb1.example:5555'}\n", file: "x.yaml")
            ).isEmpty)
    }

    @Test func reloadAppliesAllowListsAndNamesOtherCurveChanges() throws {
        let dir = makeTemporaryDirectory("curve-reload")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TestKeys(dir)
        func parse(_ curve: String) throws -> DaemonConfiguration {
            try DaemonConfiguration.parse(
                yaml: Self.model + "input: {bind: true}\ncurve: " + curve, file: dir + "/c.yaml")
        }
        let a = try parse(
            "{secret_key: keys/daemon.key_secret, input_clients: [keys/publisher.key], output_clients: [keys/consumer.key]}"
        )
        let b = try parse(
            "{secret_key: keys/daemon.key_secret, input_clients: [keys/publisher.key], output_clients: [keys/consumer.key, keys/stranger.key]}"
        )
        let c = try parse(
            "{secret_key: keys/consumer.key_secret, input_clients: [keys/publisher.key], output_clients: [keys/consumer.key]}"
        )
        #expect(Daemon.restartOnlyChanges(from: a, to: b).isEmpty)
        #expect(Daemon.restartOnlyChanges(from: a, to: c) == ["curve"])
        var plain = a
        plain.curve = nil
        #expect(Daemon.restartOnlyChanges(from: a, to: plain) == ["curve"])
    }
}
