import CSIEvaluation
import CSIWire
import Foundation
import Logging
import Synchronization
import Testing
import ZMQ

@testable import CSILocDaemon

/// A running csilocd with `curve:`: listed keys get fixes, others get nothing, the bytes on the wire are not
/// plaintext (seen through a recording TCP relay), allow-lists reload, and the input works as a CURVE client.
@Suite(.serialized)
struct CurveDaemonTests {
    /// `curve:` for a daemon whose input and output are both bound, allowing `clients` on both.
    static func curveYAML(input: [String] = ["keys/publisher.key"], output: [String] = ["keys/consumer.key"]) -> String
    {
        """
        curve:
          secret_key: keys/daemon.key_secret
          input_clients: [\(input.joined(separator: ", "))]
          output_clients: [\(output.joined(separator: ", "))]
        """
    }

    @Test func listedKeysGetFixesAndOthersNothing() async throws {
        let shared = Mutex<TestKeys?>(nil)
        let client = try CurveKeyPair.generate()
        let harness = try await onThread {
            try Harness(
                "curve-e2e", curveKeys: client,
                prepare: { dir in
                    let keys = try TestKeys(dir)
                    try CurveCertificateFile.write(client, prefix: dir + "/keys/harness")
                    shared.withLock { $0 = keys }
                }
            ) { _ in
                testConfigYAML(
                    perUE: 64,
                    extra: Self.curveYAML(
                        input: ["keys/harness.key"], output: ["keys/harness.key", "keys/consumer.key"]))
            }
        }
        defer { harness.close() }
        let keys = try #require(shared.withLock { $0 })
        let daemonKey = keys.daemon.publicKey
        let output = harness.daemon.pipeline.outputEndpoint
        let input = try #require(harness.daemon.pipeline.inputEndpoint)

        // Outsiders: an unlisted key, a plaintext peer, and a listed consumer pinning the wrong server key.
        let context = try Context()
        let outsiders = Mutex<[String: Int]>([:])
        func subscribe(_ name: String, _ security: SocketSecurity) throws -> Subscriber {
            var config = Subscriber.Configuration(endpoints: [.connect(output)], topics: ["pos/v1/"])
            config.security = security
            return try Subscriber(context: context, configuration: config) { _ in
                outsiders.withLock { $0[name, default: 0] += 1 }
            }
        }
        let consumerSeen = Mutex(0)
        var consumerConfig = Subscriber.Configuration(endpoints: [.connect(output)], topics: ["pos/v1/"])
        consumerConfig.security = .curveClient(keyPair: keys.consumer, serverKey: daemonKey)
        let subscribers = [
            try subscribe("stranger", .curveClient(keyPair: keys.stranger, serverKey: daemonKey)),
            try subscribe("plaintext", .plaintext),
            try subscribe("wrong-server", .curveClient(keyPair: keys.consumer, serverKey: keys.stranger.publicKey)),
            try Subscriber(context: context, configuration: consumerConfig) { _ in consumerSeen.withLock { $0 += 1 } },
        ]
        // A publisher with an unlisted key must not get a frame in.
        let intruder = try Publisher(
            context: context, connect: [input],
            security: .curveClient(keyPair: keys.stranger, serverKey: daemonKey))
        defer {
            intruder.close()
            for s in subscribers { s.stop(); s.join() }
            context.terminate()
        }
        let before = harness.snapshot()
        let frames = TinyFrames.make(count: 20, receiver: 5, ue: 1)
        let intruding = TinyFrames.make(count: 20, receiver: 6, ue: 1)
        for (frame, other) in zip(frames, intruding) {
            harness.send(frame)
            try intruder.publish(TinyFrames.parts(other))
            usleep(20_000)
        }
        let complete = try await onThread {
            waitUntil(timeout: .seconds(20)) { harness.received.count >= frames.count }
        }
        #expect(complete)
        #expect(harness.received.allSatisfy { $0.receiverID == 5 && $0.status == .ok })
        #expect(consumerSeen.withLock { $0 } > 0) // a second listed consumer subscribed meanwhile
        #expect(outsiders.withLock { $0 }.isEmpty, "\(outsiders.withLock { $0 })")
        let after = harness.snapshot()
        #expect(after.received - before.received == frames.count) // nothing of receiver 6 arrived
        #expect(after.curveAuthentications["input/refused", default: 0] >= 1)
        #expect(after.curveAuthentications["output/refused", default: 0] >= 1)
        #expect(after.curveAuthentications["output/allowed", default: 0] >= 2)
        #expect(after.curveAuthentications["input/allowed", default: 0] >= 1)
        let text = String(decoding: harness.daemon.metrics.exposition(), as: UTF8.self)
        #expect(text.contains("csilocd_curve_auth_total{socket=\"output\",result=\"refused\"}"))
    }

    /// The same traffic with and without `curve:`, recorded between the peers and the daemon: topics, the frame
    /// magic and the fixes' JSON are visible in plaintext and absent with CURVE.
    @Test(arguments: [false, true])
    func theWireIsNotPlaintextWithCurve(curve: Bool) async throws {
        let client = try CurveKeyPair.generate()
        let harness = try await onThread {
            try Harness(
                "curve-wire-\(curve)", curveKeys: curve ? client : nil,
                prepare: { dir in
                    _ = try TestKeys(dir)
                    try CurveCertificateFile.write(client, prefix: dir + "/keys/harness")
                }
            ) { _ in
                testConfigYAML(
                    perUE: 64,
                    extra: curve ? Self.curveYAML(input: ["keys/harness.key"], output: ["keys/harness.key"]) : "")
            }
        }
        defer { harness.close() }
        let daemonKey = harness.daemon.configuration.curve?.keyPair.publicKey
        let inputRelay = try TCPRelay(target: try #require(harness.daemon.pipeline.inputEndpoint))
        let outputRelay = try TCPRelay(target: harness.daemon.pipeline.outputEndpoint)
        defer { inputRelay.stop(); outputRelay.stop() }
        let security: SocketSecurity = daemonKey.map { .curveClient(keyPair: client, serverKey: $0) } ?? .plaintext
        let context = try Context()
        let relayed = Mutex(0)
        var config = Subscriber.Configuration(endpoints: [.connect(outputRelay.endpoint)], topics: ["pos/v1/"])
        config.security = security
        let subscriber = try Subscriber(context: context, configuration: config) { _ in relayed.withLock { $0 += 1 } }
        let feed = try Publisher(context: context, connect: [inputRelay.endpoint], security: security)
        defer {
            feed.close()
            subscriber.stop()
            subscriber.join()
            context.terminate()
        }
        let frames = TinyFrames.make(count: 200, receiver: 8, ue: 1)
        let arrived = try await onThread { () -> Bool in
            var sent = 0
            // Until the relayed subscription and connection are up, frames are lost (slow joiner): keep sending.
            return waitUntil(timeout: .seconds(20)) {
                if sent < frames.count {
                    try? feed.publish(TinyFrames.parts(frames[sent]))
                    sent += 1
                    usleep(10_000)
                }
                return relayed.withLock { $0 } >= 5
            }
        }
        #expect(arrived)
        #expect(!inputRelay.bytes.isEmpty && !outputRelay.bytes.isEmpty)
        // ZMTP 3 greetings name the mechanism in clear (the one thing CURVE does not hide).
        #expect(inputRelay.sawText(curve ? "CURVE" : "NULL") && outputRelay.sawText(curve ? "CURVE" : "NULL"))
        for (relay, texts) in [
            (inputRelay, ["csi/v1/8/1", "CSI1", "truth"]),
            (outputRelay, ["pos/v1/8/1", "truth_error_m", "oracle:tiny-los"]),
        ] {
            for text in texts { #expect(relay.sawText(text) == !curve, "\(text) on the wire, curve: \(curve)") }
        }
    }

    @Test func aReloadLetsANewlyListedConsumerIn() async throws {
        let client = try CurveKeyPair.generate()
        let shared = Mutex<TestKeys?>(nil)
        let harness = try await onThread {
            try Harness(
                "curve-reload", curveKeys: client,
                prepare: { dir in
                    shared.withLock { $0 = try? TestKeys(dir) }
                    try CurveCertificateFile.write(client, prefix: dir + "/keys/harness")
                }
            ) { _ in testConfigYAML(extra: Self.curveYAML(input: ["keys/harness.key"], output: ["keys/harness.key"])) }
        }
        defer { harness.close() }
        let keys = try #require(shared.withLock { $0 })
        let daemonKey = keys.daemon.publicKey
        let context = try Context()
        defer { context.terminate() }
        func consumerSees(within timeout: Duration) async throws -> Bool {
            let seen = Mutex(0)
            var config = Subscriber.Configuration(
                endpoints: [.connect(harness.daemon.pipeline.outputEndpoint)], topics: ["pos/v1/"])
            config.security = .curveClient(keyPair: keys.stranger, serverKey: daemonKey)
            let subscriber = try Subscriber(context: context, configuration: config) { _ in seen.withLock { $0 += 1 } }
            defer { subscriber.stop(); subscriber.join() }
            let frames = TinyFrames.make(count: 100, receiver: 9, ue: 1)
            return try await onThread {
                var i = 0
                return waitUntil(timeout: timeout) {
                    if i < frames.count { harness.send(frames[i]); i += 1; usleep(10_000) }
                    return seen.withLock { $0 } > 0
                }
            }
        }
        #expect(!(try await consumerSees(within: .seconds(1))))
        let text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        try text.replacingOccurrences(
            of: "output_clients: [keys/harness.key]", with: "output_clients: [keys/harness.key, keys/stranger.key]"
        )
        .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(try await onThread { harness.daemon.reloadBlocking() })
        #expect(
            harness.daemon.configuration.curve?.output == .server(clients: [client.publicKey, keys.stranger.publicKey]))
        #expect(try await consumerSees(within: .seconds(10)))
    }

    /// The start-up warning for a network bind without CURVE reaches the log, and CURVE silences it; a refused
    /// client is logged with its key.
    @Test func startWarnsAboutPlaintextNetworkBindsAndLogsRefusals() async throws {
        let dir = makeTemporaryDirectory("curve-warn-log")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = try TestKeys(dir)
        for curve in [false, true] {
            var configuration = DaemonConfiguration(model: ModelSettings(oracleScene: tinyScenePath))
            configuration.output.endpoint = "tcp://0.0.0.0:*"
            configuration.input.endpoint = "tcp://127.0.0.1:*"
            configuration.input.bind = true
            configuration.workers = 1
            configuration.metrics = .disabled
            if curve {
                configuration.curve = CurveSettings(
                    keyPair: keys.daemon, input: .plaintext,
                    output: .server(clients: [keys.consumer.publicKey]))
            }
            let lines = LogLines()
            let daemon = try Daemon(
                configuration: configuration, logger: Logger(label: "w") { _ in CapturingLogHandler(lines: lines) })
            try daemon.start()
            if curve { // an unlisted consumer tries
                let context = try Context()
                var config = Subscriber.Configuration(
                    endpoints: [
                        .connect(daemon.pipeline.outputEndpoint.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"))
                    ],
                    topics: ["pos/v1/"])
                config.security = .curveClient(keyPair: keys.stranger, serverKey: keys.daemon.publicKey)
                let subscriber = try Subscriber(context: context, configuration: config) { _ in }
                _ = try await onThread {
                    waitUntil(timeout: .seconds(5)) { lines.all.contains { $0.contains("CURVE client refused") } }
                }
                subscriber.stop()
                subscriber.join()
                context.terminate()
            }
            daemon.stop()
            let warnings = lines.all.filter { $0.hasPrefix("warning") && $0.contains("non-loopback") }
            #expect(warnings.count == (curve ? 0 : 1), "\(lines.all)")
            #expect(warnings.allSatisfy { $0.contains("output binds the non-loopback address tcp://0.0.0.0:*") })
            let refusal = lines.all.first { $0.contains("CURVE client refused") }
            #expect((refusal != nil) == curve)
            if let refusal {
                #expect(refusal.contains(keys.stranger.publicKey.z85) && refusal.contains("curve.output_clients"))
            }
        }
    }

    /// `input.bind: false`: csilocd connects to a CURVE-server publisher, pinning its key; the publisher's own
    /// ZAP handler decides whether the daemon's key may subscribe.
    @Test(arguments: [true, false])
    func theInputIsACurveClientOfThePublisher(publisherAllowsDaemon: Bool) async throws {
        let dir = makeTemporaryDirectory("curve-client")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = try TestKeys(dir)
        let context = try Context()
        let zap = try ZAPHandler(
            context: context,
            allowLists: ["gnb": publisherAllowsDaemon ? [keys.daemon.publicKey] : [keys.stranger.publicKey]])
        let feed = try Publisher(
            context: context, bind: ["tcp://127.0.0.1:*"],
            security: .curveServer(keyPair: keys.publisher, zapDomain: "gnb"))
        let yaml = testConfigYAML(
            input: feed.lastEndpoint, output: "tcp://127.0.0.1:*",
            extra: """
                curve: {secret_key: keys/daemon.key_secret, input_server_key: keys/publisher.key, output: false}
                """
        ).replacingOccurrences(of: "  bind: true\n  max_message_bytes", with: "  bind: false\n  max_message_bytes")
        try yaml.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var logger = Logger(label: "curve-client")
        logger.logLevel = .error
        let daemon = try Daemon(configPath: dir + "/c.yaml", logger: logger)
        try daemon.start()
        let fixes = Mutex(0)
        let subscriber = try Subscriber(
            context: context,
            configuration: .init(
                endpoints: [.connect(daemon.pipeline.outputEndpoint)],
                topics: ["pos/v1/"])
        ) { _ in fixes.withLock { $0 += 1 } }
        defer {
            daemon.stop()
            subscriber.stop()
            subscriber.join()
            feed.close()
            zap.stop()
            context.terminate()
        }
        let frames = TinyFrames.make(count: 100, receiver: 3, ue: 1)
        let got = try await onThread { () -> Bool in
            var i = 0
            return waitUntil(timeout: publisherAllowsDaemon ? .seconds(20) : .seconds(1)) {
                if i < frames.count { try? feed.publish(TinyFrames.parts(frames[i])); i += 1; usleep(10_000) }
                return fixes.withLock { $0 } > 0
            }
        }
        #expect(got == publisherAllowsDaemon)
        #expect((daemon.metrics.snapshot().received > 0) == publisherAllowsDaemon)
    }
}
