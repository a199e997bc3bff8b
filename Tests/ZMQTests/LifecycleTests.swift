import Foundation
import Testing
import ZMQ

@Suite("Receive-loop lifecycle")
struct LifecycleTests {
    /// Starts a subscriber, proves its thread is live (a message reached the
    /// handler, which records the handler's kernel thread id).
    private func liveSubscriber(
        _ context: Context, _ publisher: Publisher, _ collector: Collector
    ) throws -> (Subscriber, String) {
        let subscriber = try collector.makeSubscriber(
            context, .init(endpoints: [.connect(publisher.lastEndpoint)]))
        try #require(try awaitSubscription(publisher, collector))
        let tid = try #require(collector.subscriberThreadID)
        #expect(kernelThreadExists(tid))
        return (subscriber, tid)
    }

    @Test("Context shutdown ends the loop promptly and the thread exits")
    func stopsOnContextShutdown() async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector()
            let endpoint = uniqueIPCEndpoint("life")
            defer { removeIPCFile(endpoint) }
            let publisher = try Publisher(context: context, bind: [endpoint])
            let (subscriber, tid) = try liveSubscriber(context, publisher, collector)
            #expect(subscriber.exitReason == nil)

            // Documented order: close publisher, shut down, join, terminate.
            publisher.close()
            let start = ContinuousClock.now
            context.shutdown()
            #expect(subscriber.join(timeout: .seconds(1)))
            let elapsed = ContinuousClock.now - start
            print("[lifecycle] join after context shutdown: \(elapsed)")
            #expect(subscriber.exitReason == .contextShutDown)
            #expect(finishes(within: .seconds(2)) { context.terminate() })
            #expect(waitUntil(timeout: .seconds(1)) { !kernelThreadExists(tid) }, "subscriber thread leaked")
        }
    }

    @Test("stop() ends the loop within the stop-check interval")
    func stopsOnRequest() async throws {
        try await onThread {
            let context = try Context()
            let collector = Collector()
            let endpoint = uniqueIPCEndpoint("stop")
            defer { removeIPCFile(endpoint) }
            let publisher = try Publisher(context: context, bind: [endpoint])
            let (subscriber, tid) = try liveSubscriber(context, publisher, collector)

            let start = ContinuousClock.now
            subscriber.stop()
            #expect(subscriber.join(timeout: .seconds(1)))
            let elapsed = ContinuousClock.now - start
            print("[lifecycle] join after stop(): \(elapsed)")
            #expect(subscriber.exitReason == .stopped)
            #expect(waitUntil(timeout: .seconds(1)) { !kernelThreadExists(tid) }, "subscriber thread leaked")

            // The context is still usable; publishing after the subscriber left is fine.
            try publisher.publish([[1]])
            publisher.close()
            let afterClose = #expect(throws: ZMQError.self) { try publisher.publish([[1]]) }
            #expect(afterClose?.isClosed == true)
            #expect(finishes(within: .seconds(2)) { context.terminate() })
        }
    }

    @Test("Setup errors are thrown from init and the thread does not linger")
    func setupFailure() async throws {
        try await onThread {
            let context = try Context()
            let error = #expect(throws: ZMQError.self) {
                try Subscriber(context: context, configuration: .init(endpoints: [.bind("tcp://256.0.0.1:1")])) { _ in }
            }
            #expect(error?.endpoint == "tcp://256.0.0.1:1")
            #expect(finishes(within: .seconds(2)) { context.terminate() })
        }
    }

    @Test("A subscriber blocked with no peer at all still stops on shutdown")
    func stopsWithoutPeer() async throws {
        try await onThread {
            let context = try Context()
            let subscriber = try Subscriber(
                context: context,
                configuration: .init(endpoints: [.connect(uniqueIPCEndpoint("nobody"))])
            ) { _ in }
            Thread.sleep(forTimeInterval: 0.05)
            context.shutdown()
            #expect(subscriber.join(timeout: .seconds(1)))
            #expect(subscriber.exitReason == .contextShutDown)
            #expect(finishes(within: .seconds(2)) { context.terminate() })
        }
    }
}
