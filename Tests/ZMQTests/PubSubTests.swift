import Foundation
import Testing
import ZMQ

@Suite("PUB/SUB through Publisher and Subscriber")
struct PubSubTests {
    enum Transport: String, CaseIterable, Sendable { case ipc, tcp }

    @Test("1000 multipart messages arrive byte-identical and in order", arguments: Transport.allCases)
    func roundTrip(transport: Transport) async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector()
            let endpoint = transport == .ipc ? uniqueIPCEndpoint("rt") : "tcp://127.0.0.1:*"
            defer { removeIPCFile(endpoint) }
            // Generous HWMs: this test is about integrity, not drop behaviour.
            let publisher = try Publisher(context: context, bind: [endpoint], sendHighWaterMark: 10_000)
            if transport == .tcp {
                #expect(publisher.lastEndpoint.hasPrefix("tcp://127.0.0.1:"))
                #expect(!publisher.lastEndpoint.hasSuffix(":*"))
            }
            var config = Subscriber.Configuration(
                endpoints: [.connect(publisher.lastEndpoint)], topics: ["data", "probe"])
            config.receiveHighWaterMark = 10_000
            let subscriber = try collector.makeSubscriber(context, config)
            defer {
                publisher.close()
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, collector))

            let n = 1000
            for seq in 0..<n {
                try publisher.publish([Array("data".utf8), uint64Bytes(UInt64(seq)), [], payload(for: seq)])
            }
            #expect(waitUntil(timeout: .seconds(5)) { collector.count >= n })
            let received = collector.snapshot
            try #require(received.count == n)
            for (seq, parts) in received.enumerated() {
                let expected = [Array("data".utf8), uint64Bytes(UInt64(seq)), [], payload(for: seq)]
                guard parts == expected else {
                    Issue.record("message \(seq) differs: got \(parts.map(\.count)) part sizes")
                    return
                }
            }
        }
    }

    @Test("Only messages whose first part matches a subscribed prefix are delivered")
    func topicPrefixFiltering() async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector(probeTopic: "a.probe")
            let endpoint = uniqueIPCEndpoint("topic")
            defer { removeIPCFile(endpoint) }
            let publisher = try Publisher(context: context, bind: [endpoint])
            let subscriber = try collector.makeSubscriber(
                context,
                .init(endpoints: [.connect(publisher.lastEndpoint)], topics: ["a.", "exact"]))
            defer {
                publisher.close()
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, collector))

            let topics = ["a.x", "b.x", "a", "A.x", "exact", "exactly", "exac", "", "a.y", "a.end"]
            for topic in topics { try publisher.publish([Array(topic.utf8), [1, 2, 3]]) }
            // Per-connection order is preserved, so once "a.end" is in, so is every earlier match.
            #expect(
                waitUntil(timeout: .seconds(5)) {
                    collector.snapshot.last?.first == Array("a.end".utf8)
                })
            let delivered = collector.snapshot.map { String(decoding: $0[0], as: UTF8.self) }
            #expect(delivered == ["a.x", "exact", "exactly", "a.y", "a.end"])
        }
    }

    @Test("Subscriber reports an oversized message and keeps receiving")
    func subscriberOversized() async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector()
            let endpoint = uniqueIPCEndpoint("big")
            defer { removeIPCFile(endpoint) }
            let publisher = try Publisher(context: context, bind: [endpoint])
            var config = Subscriber.Configuration(endpoints: [.connect(publisher.lastEndpoint)])
            config.maxTotalBytes = 4096
            config.maxParts = 4
            let subscriber = try collector.makeSubscriber(context, config)
            defer {
                publisher.close()
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, collector))

            let big = [UInt8](repeating: 0xAB, count: 10_000)
            try publisher.publish([Array("t".utf8), big, big]) // too many bytes
            try publisher.publish(Array(repeating: [7], count: 6)) // too many parts
            try publisher.publish([Array("t".utf8), [1, 2, 3]]) // fine
            #expect(waitUntil(timeout: .seconds(5)) { collector.count >= 1 })
            #expect(collector.snapshot == [[Array("t".utf8), [1, 2, 3]]])
            let reports = collector.oversizedReports
            try #require(reports.count == 2)
            #expect(reports[0] == (parts: 3, bytes: 20_001))
            #expect(reports[1] == (parts: 6, bytes: 6))
        }
    }

    @Test("A Subscriber can bind and a Publisher connect to it")
    func subscriberBinds() async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector()
            let subscriber = try collector.makeSubscriber(
                context, .init(endpoints: [.bind("tcp://127.0.0.1:*")]))
            let endpoint = try #require(subscriber.lastEndpoint)
            let publisher = try Publisher(context: context, connect: [endpoint])
            defer {
                publisher.close()
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, collector))
            try publisher.publish([[1], [2, 3]])
            #expect(waitUntil(timeout: .seconds(5)) { collector.count == 1 })
            #expect(collector.snapshot == [[[1], [2, 3]]])
        }
    }

    @Test("Concurrent tasks publish through one Publisher; each sender's order is kept")
    func concurrentPublishers() async throws {
        let context = try Context()
        let collector = Collector()
        let endpoint = uniqueIPCEndpoint("conc")
        defer { removeIPCFile(endpoint) }
        let publisher = try Publisher(context: context, bind: [endpoint], sendHighWaterMark: 10_000)
        var config = Subscriber.Configuration(endpoints: [.connect(publisher.lastEndpoint)])
        config.receiveHighWaterMark = 10_000
        let subscriber = try collector.makeSubscriber(context, config)
        let subscribed = try await onThread { try awaitSubscription(publisher, collector) }
        try #require(subscribed)

        // publish() never blocks, so calling it from tasks is fine.
        let senders = 4, perSender = 250
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    for seq in 0..<perSender {
                        try publisher.publish([[UInt8(sender)], uint64Bytes(UInt64(seq))])
                    }
                }
            }
            try await group.waitForAll()
        }
        let complete = try await onThread {
            let ok = waitUntil(timeout: .seconds(5)) { collector.count >= senders * perSender }
            publisher.close()
            context.shutdown()
            subscriber.join()
            context.terminate()
            return ok
        }
        #expect(complete)
        let bySender = Dictionary(grouping: collector.snapshot, by: { $0[0][0] })
        for sender in 0..<senders {
            let seqs = bySender[UInt8(sender)]?.map { $0[1] } ?? []
            #expect(seqs == (0..<perSender).map { uint64Bytes(UInt64($0)) })
        }
    }
}
