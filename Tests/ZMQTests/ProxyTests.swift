import Foundation
import Testing
import ZMQ

/// `Proxy` (zmq_proxy_steerable, XSUB → XPUB): every message of several publishers reaches a subscriber once,
/// subscriptions travel upstream, CURVE works on both sides with a server key per publisher, stop is prompt.
@Suite("XSUB/XPUB proxy", .serialized)
struct ProxyTests {
    @Test(arguments: [false, true])
    func everyMessageOfEveryPublisherArrivesOnce(curve: Bool) async throws {
        try await onThread {
            let context = try Context()
            let proxyKeys = try CurveKeyPair.generate(), consumerKeys = try CurveKeyPair.generate()
            let publisherKeys = try (0..<3).map { _ in try CurveKeyPair.generate() }
            // One ZAP handler serves the publishers' domain (the proxy's key) and the proxy's (the consumer's key).
            let zap = try ZAPHandler(
                context: context, allowLists: ["pub": [proxyKeys.publicKey], "proxy": [consumerKeys.publicKey]])
            let publishers = try publisherKeys.map { keys in
                try Publisher(
                    context: context, bind: ["tcp://127.0.0.1:*"], sendHighWaterMark: 100_000,
                    security: curve ? .curveServer(keyPair: keys, zapDomain: "pub") : .plaintext)
            }
            var config = Proxy.Configuration(
                frontends: zip(publishers, publisherKeys).map { publisher, keys in
                    Proxy.Frontend(
                        endpoint: publisher.lastEndpoint,
                        security: curve ? .curveClient(keyPair: proxyKeys, serverKey: keys.publicKey) : .plaintext)
                },
                backend: "tcp://127.0.0.1:*")
            if curve { config.backendSecurity = .curveServer(keyPair: proxyKeys, zapDomain: "proxy") }
            let proxy = try Proxy(context: context, configuration: config)
            #expect(!proxy.backendEndpoint.hasSuffix("*"))
            let collector = Collector()
            var subConfig = Subscriber.Configuration(
                endpoints: [.connect(proxy.backendEndpoint)], topics: ["data", "probe"])
            subConfig.receiveHighWaterMark = 100_000
            if curve { subConfig.security = .curveClient(keyPair: consumerKeys, serverKey: proxyKeys.publicKey) }
            let subscriber = try collector.makeSubscriber(context, subConfig)
            for publisher in publishers {
                try #require(try awaitSubscription(publisher, collector, timeout: .seconds(10)))
            }
            let perPublisher = 300
            for seq in 0..<perPublisher {
                for (index, publisher) in publishers.enumerated() {
                    try publisher.publish([Array("data".utf8), [UInt8(index)], uint64Bytes(UInt64(seq))])
                }
            }
            #expect(waitUntil(timeout: .seconds(10)) { collector.count >= 3 * perPublisher })
            usleep(100_000) // duplicates would arrive now
            let received = collector.snapshot
            #expect(received.count == 3 * perPublisher)
            #expect(Set(received.map { $0[1] + $0[2] }).count == 3 * perPublisher)
            for index in 0..<3 { // in order per publisher
                let seqs = received.filter { $0[1] == [UInt8(index)] }.map { $0[2] }
                #expect(seqs == (0..<perPublisher).map { uint64Bytes(UInt64($0)) })
            }
            let stats = try proxy.statistics()
            #expect(stats.frontendMessagesIn >= UInt64(3 * perPublisher))
            #expect(stats.backendMessagesOut == stats.frontendMessagesIn)
            #expect(finishes(within: .seconds(2)) { proxy.stop() })
            subscriber.stop()
            subscriber.join()
            for publisher in publishers { publisher.close() }
            zap.stop()
            context.terminate()
        }
    }

    @Test func setupErrorsAreThrownAndMixedSecurityRefused() async throws {
        try await onThread {
            let context = try Context()
            let keys = try CurveKeyPair.generate()
            #expect(throws: ZMQError.self) {
                try Proxy(
                    context: context,
                    configuration: .init(
                        frontends: [.init(endpoint: "tcp://127.0.0.1:1")],
                        backend: "nonsense://x"))
            }
            #expect(throws: ZMQError.self) {
                try Proxy(context: context, configuration: .init(frontends: [], backend: "tcp://127.0.0.1:*"))
            }
            #expect(throws: ZMQError.self) {
                try Proxy(
                    context: context,
                    configuration: .init(
                        frontends: [
                            .init(endpoint: "tcp://127.0.0.1:1"),
                            .init(
                                endpoint: "tcp://127.0.0.1:2",
                                security: .curveClient(keyPair: keys, serverKey: keys.publicKey)),
                        ], backend: "tcp://127.0.0.1:*"))
            }
            let proxy = try Proxy(
                context: context,
                configuration: .init(
                    frontends: [.init(endpoint: "tcp://127.0.0.1:1")],
                    backend: "tcp://127.0.0.1:*"))
            proxy.stop()
            proxy.stop()
            #expect(proxy.failure == nil)
            context.terminate()
        }
    }
}
