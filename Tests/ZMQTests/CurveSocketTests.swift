import Foundation
import Synchronization
import Testing

@testable import ZMQ

/// CURVE on real sockets: the ZAP handler lets listed client keys in and nobody else; without a handler a
/// server refuses everyone (fail closed).
@Suite("CURVE sockets and the ZAP handler", .serialized)
struct CurveSocketTests {
    @Test func listedClientsReceiveAndOthersGetNothing() async throws {
        try await onThread {
            let context = try Context()
            let server = try CurveKeyPair.generate(), listed = try CurveKeyPair.generate(),
                stranger = try CurveKeyPair.generate()
            let decisions = Mutex<[ZAPHandler.Decision]>([])
            let zap = try ZAPHandler(context: context, allowLists: ["fixes": [listed.publicKey]]) { decision in
                decisions.withLock { $0.append(decision) }
            }
            let publisher = try Publisher(
                context: context, bind: ["tcp://127.0.0.1:*"],
                security: .curveServer(keyPair: server, zapDomain: "fixes"))
            let endpoint = publisher.lastEndpoint
            let good = Collector(), unknown = Collector(), plain = Collector(), wrongServer = Collector()
            func subscribe(_ collector: Collector, _ security: SocketSecurity) throws -> Subscriber {
                var config = Subscriber.Configuration(endpoints: [.connect(endpoint)], topics: ["data", "probe"])
                config.security = security
                return try collector.makeSubscriber(context, config)
            }
            let subscribers = [
                try subscribe(good, .curveClient(keyPair: listed, serverKey: server.publicKey)),
                try subscribe(unknown, .curveClient(keyPair: stranger, serverKey: server.publicKey)),
                try subscribe(plain, .plaintext),
                // The listed key, but pinning another server: the handshake cannot succeed.
                try subscribe(wrongServer, .curveClient(keyPair: listed, serverKey: stranger.publicKey)),
            ]
            defer {
                publisher.close()
                for s in subscribers { s.stop(); s.join() }
                zap.stop()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, good))
            for seq in 0..<100 { try publisher.publish([Array("data".utf8), uint64Bytes(UInt64(seq))]) }
            #expect(waitUntil(timeout: .seconds(5)) { good.count == 100 })
            // Keep publishing for a while: the others had every chance to get in.
            for _ in 0..<50 {
                try publisher.publish([good.probeTopic])
                usleep(10_000)
            }
            #expect(unknown.count == 0 && unknown.probeCount == 0)
            #expect(plain.count == 0 && plain.probeCount == 0)
            #expect(wrongServer.count == 0 && wrongServer.probeCount == 0)
            let seen = decisions.withLock { $0 }
            #expect(
                seen.contains {
                    $0.allowed && $0.clientKey == listed.publicKey && $0.domain == "fixes" && $0.address == "127.0.0.1"
                })
            #expect(seen.contains { !$0.allowed && $0.clientKey == stranger.publicKey })
            #expect(!seen.contains { $0.allowed && $0.clientKey != listed.publicKey })
        }
    }

    @Test func allowListsChangeForLaterHandshakes() async throws {
        try await onThread {
            let context = try Context()
            let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
            let zap = try ZAPHandler(context: context, allowLists: ["d": []])
            let publisher = try Publisher(
                context: context, bind: ["tcp://127.0.0.1:*"],
                security: .curveServer(keyPair: server, zapDomain: "d"))
            var config = Subscriber.Configuration(endpoints: [.connect(publisher.lastEndpoint)], topics: ["probe"])
            config.security = .curveClient(keyPair: client, serverKey: server.publicKey)
            let refused = Collector()
            let first = try refused.makeSubscriber(context, config)
            #expect(!(try awaitSubscription(publisher, refused, timeout: .milliseconds(500))))
            first.stop()
            first.join()
            zap.setAllowList([client.publicKey], domain: "d")
            #expect(zap.allowList(domain: "d") == [client.publicKey])
            let admitted = Collector()
            let second = try admitted.makeSubscriber(context, config)
            #expect(try awaitSubscription(publisher, admitted))
            publisher.close()
            second.stop()
            second.join()
            zap.stop()
            context.terminate()
        }
    }

    @Test func aServerWithoutHandlerRefusesEveryone() async throws {
        try await onThread {
            let context = try Context()
            let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
            let publisher = try Publisher(
                context: context, bind: ["tcp://127.0.0.1:*"],
                security: .curveServer(keyPair: server, zapDomain: "d"))
            var config = Subscriber.Configuration(endpoints: [.connect(publisher.lastEndpoint)], topics: ["probe"])
            config.security = .curveClient(keyPair: client, serverKey: server.publicKey)
            let collector = Collector()
            let subscriber = try collector.makeSubscriber(context, config)
            #expect(!(try awaitSubscription(publisher, collector, timeout: .seconds(1))))
            publisher.close()
            subscriber.stop()
            subscriber.join()
            context.terminate()
        }
    }

    @Test func oneHandlerPerContext() async throws {
        try await onThread {
            let context = try Context()
            let zap = try ZAPHandler(context: context, allowLists: [:])
            #expect(throws: ZMQError.self) { try ZAPHandler(context: context, allowLists: [:]) }
            zap.stop()
            zap.stop() // idempotent
            context.terminate()
        }
    }

    @Test func malformedRequestsAreRefused() throws {
        let context = try Context()
        defer { context.terminate() }
        let key = try CurveKeyPair.generate().publicKey
        let zap = try ZAPHandler(context: context, allowLists: ["d": [key]])
        defer { zap.stop() }
        let v = Array("1.0".utf8), id: [UInt8] = [7], curve = Array("CURVE".utf8)
        func status(_ parts: [[UInt8]]) -> String {
            String(decoding: zap.answer(.message(parts))[2], as: UTF8.self)
        }
        #expect(status([v, id, Array("d".utf8), [], [], curve, key.bytes]) == "200")
        #expect(zap.answer(.message([v, id, Array("d".utf8), [], [], curve, key.bytes]))[1] == id)
        #expect(status([v, id, Array("other".utf8), [], [], curve, key.bytes]) == "400") // unknown domain
        #expect(status([v, id, Array("d".utf8), [], [], Array("PLAIN".utf8), key.bytes]) == "400")
        #expect(status([v, id, Array("d".utf8), [], [], curve, Array(key.bytes.dropLast())]) == "400")
        #expect(status([Array("2.0".utf8), id, Array("d".utf8), [], [], curve, key.bytes]) == "400")
        #expect(status([v]) == "400")
        #expect(zap.answer(.oversized(partCount: 99, totalBytes: 1)).count == 6)
    }
}
