import Foundation
import Testing

@testable import ZMQ

/// `Subscriber.Configuration.maxPartBytes` (ZMQ_MAXMSGSIZE): libzmq refuses a part above the limit when its
/// length arrives, before allocating or reading it (issue 13, class 1: without it a 1 GiB message was
/// assembled in memory before the daemon could call it oversized).
@Suite struct MaxPartSizeTests {
    @Test("A part above maxPartBytes never surfaces; the peer reconnects and later messages arrive")
    func partAboveLimitIsRefusedByLibzmq() async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector()
            var config = Subscriber.Configuration(endpoints: [.bind("tcp://127.0.0.1:*")])
            config.maxTotalBytes = 1 << 20
            config.maxPartBytes = 1 << 20
            let subscriber = try collector.makeSubscriber(context, config)
            let publisher = try Publisher(context: context, connect: [try #require(subscriber.lastEndpoint)])
            defer {
                publisher.close()
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, collector))
            // Without the socket option this message reaches the receive loop (whole, in libzmq's memory)
            // and is reported as oversized; with it libzmq drops the connection at the part's length.
            try publisher.publish([Array("t".utf8), [UInt8](repeating: 1, count: 4 << 20)])
            let probesBefore = collector.probeCount
            // The publisher reconnects (100 ms) and re-learns the subscription: probes get through again.
            #expect(
                waitUntil(timeout: .seconds(10)) {
                    try? publisher.publish([collector.probeTopic])
                    usleep(10_000)
                    return collector.probeCount > probesBefore
                })
            try publisher.publish([Array("t".utf8), [1, 2, 3]])
            #expect(waitUntil(timeout: .seconds(5)) { collector.count >= 1 })
            #expect(collector.snapshot == [[Array("t".utf8), [1, 2, 3]]])
            #expect(collector.oversizedReports.isEmpty)
        }
    }
}
