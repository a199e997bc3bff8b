import CSIWire
import Foundation
import Synchronization
import Testing
import ZMQ

@testable import CSILocDaemon

/// Scale-out on ZeroMQ's own patterns (docs/daemon.md, "Several receivers"): three daemons, one XSUB/XPUB
/// proxy (`csiloc proxy`'s engine) connected to their fix feeds, one consumer on the proxy. Every fix a daemon
/// publishes reaches the consumer exactly once — plaintext, and with CURVE on every hop (a different server
/// key per daemon, the proxy a CURVE client of each and a CURVE server to the consumer).
@Suite(.serialized)
struct ProxyScaleOutTests {
    @Test(arguments: [false, true])
    func everyFixOfThreeDaemonsArrivesOnceThroughTheProxy(curve: Bool) async throws {
        let harnessKeys = try CurveKeyPair.generate(), proxyKeys = try CurveKeyPair.generate()
        let consumerKeys = try CurveKeyPair.generate()
        let harnesses = try await onThread {
            try (0..<3).map { index in
                try Harness(
                    "proxy-\(curve)-\(index)", curveKeys: curve ? harnessKeys : nil,
                    prepare: { dir in
                        guard curve else { return }
                        _ = try TestKeys(dir)
                        try CurveCertificateFile.write(harnessKeys, prefix: dir + "/keys/harness")
                        try CurveCertificateFile.write(proxyKeys, prefix: dir + "/keys/proxy")
                    }
                ) { _ in
                    testConfigYAML(
                        workers: 1, perUE: 64,
                        extra: curve
                            ? """
                            curve:
                              secret_key: keys/daemon.key_secret
                              input_clients: [keys/harness.key]
                              output_clients: [keys/harness.key, keys/proxy.key]
                            """ : "")
                }
            }
        }
        defer { for harness in harnesses { harness.close() } }

        let context = try Context()
        let zap = curve ? try ZAPHandler(context: context, allowLists: ["proxy": [consumerKeys.publicKey]]) : nil
        var configuration = Proxy.Configuration(
            frontends: harnesses.map { harness in
                let daemonKey = harness.daemon.configuration.curve?.keyPair.publicKey
                return Proxy.Frontend(
                    endpoint: harness.daemon.pipeline.outputEndpoint,
                    security: daemonKey.map { .curveClient(keyPair: proxyKeys, serverKey: $0) } ?? .plaintext)
            },
            backend: "tcp://127.0.0.1:*")
        if curve { configuration.backendSecurity = .curveServer(keyPair: proxyKeys, zapDomain: "proxy") }
        let proxy = try Proxy(context: context, configuration: configuration)
        let received = Mutex<[PositionFix]>([])
        var consumerConfig = Subscriber.Configuration(endpoints: [.connect(proxy.backendEndpoint)], topics: ["pos/v1/"])
        consumerConfig.receiveHighWaterMark = 100_000
        if curve { consumerConfig.security = .curveClient(keyPair: consumerKeys, serverKey: proxyKeys.publicKey) }
        let consumer = try Subscriber(context: context, configuration: consumerConfig) { parts in
            if let fix = try? PositionFix(parts: parts) { received.withLock { $0.append(fix) } }
        }
        defer {
            consumer.stop()
            consumer.join()
            proxy.stop()
            zap?.stop()
            context.terminate()
        }

        // Slow joiner, one hop more: probe each daemon (receiver 100 + i) until its probe fix comes out of the proxy.
        for (index, harness) in harnesses.enumerated() {
            let probe = TinyFrames.make(count: 1, receiver: UInt32(100 + index), ue: 1)[0]
            let through = try await onThread { () -> Bool in
                var seq: UInt64 = 0
                return waitUntil(timeout: .seconds(20)) {
                    var frame = probe
                    frame.header.seq = seq
                    seq += 1
                    harness.send(frame)
                    usleep(20_000)
                    return received.withLock { $0.contains { $0.receiverID == UInt32(100 + index) } }
                }
            }
            try #require(through, "no probe fix of daemon \(index) through the proxy")
        }

        let perDaemon = 30
        for k in 0..<perDaemon {
            for (index, harness) in harnesses.enumerated() {
                harness.send(
                    TinyFrames.make(count: 1, receiver: UInt32(index + 1), ue: 1, firstSeq: UInt64(k), seed: UInt64(k))[
                        0])
            }
            usleep(5_000)
        }
        @Sendable func real(_ fixes: [PositionFix]) -> [PositionFix] {
            fixes.filter { (1...3).contains($0.receiverID) }
        }
        let complete = try await onThread {
            waitUntil(timeout: .seconds(30)) {
                harnesses.allSatisfy { real($0.received).count >= perDaemon }
                    && real(received.withLock { $0 }).count >= 3 * perDaemon
            }
        }
        #expect(complete)
        usleep(200_000) // a duplicate would have arrived by now
        let published = harnesses.flatMap { real($0.received) }.map { "\($0.receiverID)/\($0.seq)" }
        let throughProxy = real(received.withLock { $0 }).map { "\($0.receiverID)/\($0.seq)" }
        #expect(published.count == 3 * perDaemon && Set(published).count == published.count)
        #expect(throughProxy.sorted() == published.sorted())
        for harness in harnesses { #expect(harness.snapshot().published >= perDaemon) }
        let stats = try proxy.statistics()
        #expect(stats.backendMessagesOut == stats.frontendMessagesIn)
    }
}
