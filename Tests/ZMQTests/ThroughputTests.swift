import Foundation
import Synchronization
import Testing
import ZMQ

/// Receiver-side throughput, printed only: timings on a shared 2-core box
/// are too noisy to assert on.
@Suite("Throughput (printed, not asserted)")
struct ThroughputTests {
    private final class Meter: Sendable {
        struct Stats {
            var count = 0; var bytes = 0; var first: ContinuousClock.Instant?; var last: ContinuousClock.Instant?
        }
        let stats = Mutex(Stats())
        func record(_ parts: [[UInt8]]) {
            let now = ContinuousClock.now
            let size = parts.reduce(0) { $0 + $1.count }
            stats.withLock { s in
                if s.first == nil { s.first = now }
                s.last = now; s.count += 1; s.bytes += size
            }
        }
    }

    @Test("32 KiB 3-part messages over ipc, Publisher -> Subscriber")
    func pubSubThroughput() async throws {
        try await onThread {
            let messages = 3000
            let context = try Context()
            let endpoint = uniqueIPCEndpoint("tput")
            defer { removeIPCFile(endpoint) }
            let publisher = try Publisher(context: context, bind: [endpoint])
            let probeSeen = Collector()
            let meter = Meter()
            let subscriber = try Subscriber(
                context: context,
                configuration: .init(endpoints: [.connect(publisher.lastEndpoint)], topics: ["probe", "tp"])
            ) { parts in
                if parts.first == probeSeen.probeTopic { probeSeen.handle(parts) } else { meter.record(parts) }
            }
            defer {
                publisher.close()
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            try #require(try awaitSubscription(publisher, probeSeen))

            let payload = [UInt8](repeating: 0xC3, count: 32 * 1024)
            for seq in 0..<messages {
                try publisher.publish([Array("tp".utf8), uint64Bytes(UInt64(seq)), payload])
            }
            // PUB drops at the HWM, so wait until everything arrived or the
            // count stops moving for 200 ms (bounded at 5 s).
            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
            var previous = -1
            while ContinuousClock.now < deadline {
                let count = meter.stats.withLock { $0.count }
                if count == messages || (count == previous && count > 0) { break }
                previous = count
                Thread.sleep(forTimeInterval: 0.2)
            }
            let s = meter.stats.withLock { $0 }
            #expect(s.count > 0)
            if let first = s.first, let last = s.last, s.count > 1 {
                let seconds =
                    Double((last - first).components.attoseconds) / 1e18 + Double((last - first).components.seconds)
                let rate = Double(s.count - 1) / seconds
                print(
                    String(
                        format:
                            "[throughput] PUB->SUB ipc 32KiB x3-part: sent %d, received %d (dropped %d at HWM), %.0f msg/s, %.0f MiB/s",
                        messages, s.count, messages - s.count, rate, rate * Double(s.bytes / s.count) / 1_048_576))
            }
        }
    }

    @Test("32 KiB 3-part messages over ipc, PUSH -> PULL (lossless, back-pressure)")
    func pushPullThroughput() async throws {
        try await onThread {
            let messages = 3000
            let context = try Context()
            let endpoint = uniqueIPCEndpoint("tput-pp")
            defer { removeIPCFile(endpoint) }
            let pull = try Socket(context: context, kind: .pull)
            try pull.bind(endpoint)
            try pull.setReceiveTimeout(.seconds(5))
            let sender = Thread {
                guard let push = try? Socket(context: context, kind: .push) else { return }
                try? push.connect(endpoint)
                // Linger so close() at the end of this thread does not drop the queued tail.
                try? push.setLinger(.seconds(5))
                try? push.setSendTimeout(.seconds(5))
                let payload = [UInt8](repeating: 0x3C, count: 32 * 1024)
                for seq in 0..<messages {
                    guard (try? push.send(parts: [Array("tp".utf8), uint64Bytes(UInt64(seq)), payload])) != nil else {
                        return
                    }
                }
            }
            sender.start()
            var received = 0
            var start: ContinuousClock.Instant?
            while received < messages {
                guard case .message(let parts) = try pull.receiveMultipart() else { break }
                if start == nil { start = .now }
                #expect(parts.count == 3)
                received += 1
            }
            let elapsed = ContinuousClock.now - (start ?? .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(received - 1) / seconds
            print(
                String(
                    format: "[throughput] PUSH->PULL ipc 32KiB x3-part: %d msgs, %.0f msg/s, %.0f MiB/s",
                    received, rate, rate * 32.0 / 1024))
            #expect(received == messages)
        }
    }
}
