import Foundation
import Testing
import ZMQ

@Suite("Socket basics and errors")
struct SocketTests {
    @Test("Oversized message is drained whole; the next message arrives intact")
    func oversizedIsDrained() async throws {
        try await onThread {
            let context = try Context()
            let endpoint = "inproc://oversized"
            let pull = try Socket(context: context, kind: .pull)
            try pull.bind(endpoint)
            let push = try Socket(context: context, kind: .push)
            try push.connect(endpoint)
            try pull.setReceiveTimeout(.seconds(5))

            let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
            try push.send(parts: [chunk, chunk, chunk])
            try push.send(parts: [[1], [2], [3], [4], [5]])
            try push.send(parts: [[9, 9], [], [8]])

            #expect(
                try pull.receiveMultipart(maxParts: 8, maxTotalBytes: 16 * 1024)
                    == .oversized(partCount: 3, totalBytes: 3 * 64 * 1024))
            #expect(
                try pull.receiveMultipart(maxParts: 3, maxTotalBytes: 16 * 1024)
                    == .oversized(partCount: 5, totalBytes: 5))
            #expect(
                try pull.receiveMultipart(maxParts: 3, maxTotalBytes: 16 * 1024)
                    == .message([[9, 9], [], [8]]))
            #expect(try pull.tryReceiveMultipart() == nil)
        }
    }

    @Test("RCVTIMEO surfaces as a timeout error")
    func receiveTimeout() async throws {
        try await onThread {
            let context = try Context()
            let pull = try Socket(context: context, kind: .pull)
            let endpoint = uniqueIPCEndpoint("timeout")
            defer { removeIPCFile(endpoint) }
            try pull.bind(endpoint)
            try pull.setReceiveTimeout(.milliseconds(50))
            let start = ContinuousClock.now
            let error = #expect(throws: ZMQError.self) { try pull.receiveMultipart() }
            #expect(error?.isTimeout == true)
            #expect(error?.isTerminated == false)
            #expect(ContinuousClock.now - start >= .milliseconds(40))
        }
    }

    @Test("Invalid endpoint error names the endpoint")
    func invalidEndpoint() throws {
        let context = try Context()
        let socket = try Socket(context: context, kind: .pub)
        for endpoint in ["tcp://no-such-interface-xyz:5555", "bogus://nowhere", "tcp://127.0.0.1:notaport"] {
            let error = #expect(throws: ZMQError.self) { try socket.bind(endpoint) }
            #expect(error?.endpoint == endpoint)
            #expect(error?.description.contains(endpoint) == true)
            #expect(error?.operation == "zmq_bind")
            #expect(error?.message.isEmpty == false)
        }
    }

    // Note: not for ipc:// — libzmq unlinks and takes over an existing ipc
    // path, so a second ipc bind succeeds (documented on `Socket.bind`).
    @Test("Binding the same TCP endpoint twice fails with EADDRINUSE")
    func bindTwice() throws {
        let context = try Context()
        let first = try Socket(context: context, kind: .pull)
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try first.lastEndpoint
        let second = try Socket(context: context, kind: .pull)
        let error = #expect(throws: ZMQError.self) { try second.bind(endpoint) }
        #expect(error?.isAddressInUse == true)
        #expect(error?.code == EADDRINUSE)
        #expect(error?.endpoint == endpoint)
    }

    @Test("Closed sockets and shut-down contexts fail cleanly")
    func closedAndShutDown() throws {
        let context = try Context()
        let socket = try Socket(context: context, kind: .push)
        socket.close()
        socket.close()
        let closed = #expect(throws: ZMQError.self) { try socket.send([1]) }
        #expect(closed?.isClosed == true)
        context.shutdown()
        let term = #expect(throws: ZMQError.self) { try Socket(context: context, kind: .pull) }
        #expect(term?.isTerminated == true)
        context.terminate()
        context.terminate()
    }

    @Test("poll over several sockets reports which are readable")
    func pollSeveral() async throws {
        try await onThread {
            let context = try Context()
            let a = try Socket(context: context, kind: .pull)
            let b = try Socket(context: context, kind: .pull)
            try a.bind("inproc://poll-a")
            try b.bind("inproc://poll-b")
            let pushB = try Socket(context: context, kind: .push)
            try pushB.connect("inproc://poll-b")

            let idle = try poll([(a, .readable), (b, .readable)], timeout: .milliseconds(20))
            #expect(idle == [[], []])
            try pushB.send([42])
            let ready = try poll([(a, .readable), (b, .readable)], timeout: .seconds(5))
            #expect(ready == [[], .readable])
            #expect(try b.tryReceiveMultipart() == .message([[42]]))
            #expect(try pushB.poll(.writable, timeout: .zero) == .writable)
        }
    }

    @Test("Every exposed option can be set on a fresh socket")
    func optionsSmoke() throws {
        let context = try Context()
        let sub = try Socket(context: context, kind: .sub)
        try sub.setLinger(.milliseconds(10))
        try sub.setLinger(nil)
        try sub.setSendHighWaterMark(5)
        try sub.setReceiveHighWaterMark(5)
        try sub.setMaxMessageSize(1 << 20)
        try sub.setMaxMessageSize(nil)
        try sub.setReceiveTimeout(.milliseconds(250))
        try sub.setSendTimeout(nil)
        try sub.subscribe("topic")
        try sub.subscribe([0, 1])
        try sub.unsubscribe("topic")
        try sub.unsubscribe([0, 1])
        try sub.setReconnectInterval(.milliseconds(50))
        try sub.setHeartbeat(interval: .seconds(1), timeout: .seconds(3))
        try sub.setIPv6(true)
        try sub.connect("tcp://127.0.0.1:1")
        #expect(try sub.lastEndpoint == "tcp://127.0.0.1:1")
        sub.close()
        let error = #expect(throws: ZMQError.self) { try sub.setIPv6(false) }
        #expect(error?.isClosed == true)
    }
}
