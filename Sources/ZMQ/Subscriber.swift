import Dispatch
import Foundation
import Synchronization

/// A SUB socket with its own receive loop on a dedicated `Foundation.Thread`.
///
/// Use it to consume a feed without blocking Swift concurrency: the socket
/// is created, bound/connected, subscribed, read and closed on that thread,
/// and each message is handed to `onMessage` **on that thread**. Keep the
/// handler short (hand work off to a queue, an `AsyncStream` continuation,
/// a `Mutex`-protected buffer, ...); while it runs, messages queue up in
/// libzmq and beyond the receive high-water mark are dropped by the publisher.
///
/// Stopping, two ways:
/// - ``stop()``: sets a flag the loop checks between messages and after
///   every bounded wait, so the thread exits within
///   ``Configuration/stopCheckInterval`` (default 100 ms);
/// - ``Context/shutdown()``: wakes the wait immediately with `ETERM`, the
///   thread closes its socket and exits (use when tearing everything down).
///
/// Either way call ``join(timeout:)`` before ``Context/terminate()``. A
/// subscriber that is neither stopped nor shut down keeps its thread (and
/// itself) alive, even if you drop every reference to it.
public final class Subscriber: Sendable {
    /// How the socket reaches its peer.
    public enum Endpoint: Sendable, Hashable {
        /// Connect to a bound publisher (the usual topology).
        case connect(String)
        /// Listen, for publishers that connect to us (e.g. many producers).
        case bind(String)
    }

    /// Why the receive loop ended.
    public enum ExitReason: Sendable, Equatable {
        /// ``stop()`` was called.
        case stopped
        /// The context was shut down or terminated.
        case contextShutDown
        /// Socket setup or receiving failed with an unexpected error.
        case failed(ZMQError)
    }

    /// Everything fixed at start-up.
    public struct Configuration: Sendable {
        var endpoints: [Endpoint]
        /// Topic prefixes matched against the first part; `[[]]` (one empty
        /// prefix) receives everything, `[]` receives nothing.
        var prefixes: [[UInt8]]
        /// Messages with more parts are drained and reported as oversized.
        public var maxParts: Int = 64
        /// Messages with more bytes in all are drained and reported as oversized.
        public var maxTotalBytes: Int = 64 << 20
        /// `ZMQ_MAXMSGSIZE`: largest single *part* libzmq accepts, checked when the part's length arrives,
        /// before anything is allocated; a peer announcing more is disconnected (it reconnects) and the
        /// message never surfaces. `nil` = no limit (libzmq assembles any part, e.g. 1 GiB, in memory).
        /// libzmq has no limit on the number of parts of one message: ``maxParts`` is applied after
        /// libzmq has queued the whole message.
        public var maxPartBytes: Int64? = nil
        /// `ZMQ_RCVHWM`, in messages.
        public var receiveHighWaterMark: Int32 = 1000
        /// `ZMQ_RECONNECT_IVL` (backoff disabled, see ``Socket/setReconnectInterval(_:)``).
        var reconnectInterval: Duration = .milliseconds(100)
        /// Longest wait before the loop re-checks ``Subscriber/stop()``.
        public var stopCheckInterval: Duration = .milliseconds(100)
        /// Name of the thread, for debuggers and `top -H`.
        public var threadName: String = "zmq-subscriber"
        /// Plaintext, or CURVE (a server needs a ``ZAPHandler`` running in the context first).
        public var security: SocketSecurity = .plaintext

        /// A subscriber connecting to `endpoints`, subscribed to topic `prefixes` (default: everything).
        public init(endpoints: [Endpoint], prefixes: [[UInt8]] = [[]]) {
            self.endpoints = endpoints
            self.prefixes = prefixes
        }

        /// UTF-8 topic prefixes.
        public init(endpoints: [Endpoint], topics: [String]) {
            self.init(endpoints: endpoints, prefixes: topics.map { Array($0.utf8) })
        }
    }

    private struct State {
        var lastEndpoint: String?
        var exitReason: ExitReason?
    }

    private let context: Context
    private let configuration: Configuration
    private let onMessage: @Sendable ([[UInt8]]) -> Void
    private let onOversized: @Sendable (_ partCount: Int, _ totalBytes: Int) -> Void
    private let stopRequested = Atomic(false)
    private let state = Mutex(State())
    private let finished = DispatchGroup()

    /// Starts the thread and returns once the socket is bound/connected and
    /// subscribed (a brief, non-network wait), so setup errors such as a
    /// bad or busy endpoint are thrown here, naming the endpoint.
    ///
    /// - Parameters:
    ///   - onMessage: called on the subscriber thread with each message's parts.
    ///   - onOversized: called on the subscriber thread for each message that
    ///     exceeded the configured limits (its content is discarded).
    public init(
        context: Context,
        configuration: Configuration,
        onOversized: @escaping @Sendable (_ partCount: Int, _ totalBytes: Int) -> Void = { _, _ in },
        onMessage: @escaping @Sendable ([[UInt8]]) -> Void
    ) throws(ZMQError) {
        self.context = context
        self.configuration = configuration
        self.onMessage = onMessage
        self.onOversized = onOversized

        startOwnedThread(name: configuration.threadName, finished: finished) { [self] ready in run(signalling: ready) }
        if case .failed(let error) = exitReason {
            join()
            throw error
        }
    }

    /// The resolved endpoint of the last `bind`/`connect` (wildcard TCP ports
    /// resolved), e.g. so a publisher can connect to a subscriber bound on
    /// `tcp://127.0.0.1:*`.
    public var lastEndpoint: String? { state.withLock { $0.lastEndpoint } }

    /// `nil` while the loop runs; afterwards, why it ended.
    public var exitReason: ExitReason? { state.withLock { $0.exitReason } }

    /// Asks the loop to exit; returns immediately. The thread notices within
    /// ``Configuration/stopCheckInterval``. Idempotent.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Blocks until the thread has closed its socket and exited, or until
    /// `timeout` passes. Returns whether the thread has exited. Do not call
    /// from an async context with a long timeout: it blocks the thread.
    @discardableResult
    public func join(timeout: Duration? = nil) -> Bool {
        guard let timeout else {
            finished.wait()
            return true
        }
        let (seconds, attoseconds) = timeout.components
        let nanos = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return finished.wait(timeout: .now() + .nanoseconds(Int(clamping: nanos))) == .success
    }

    // MARK: Thread body

    private func run(signalling ready: DispatchSemaphore) {
        defer { finished.leave() }
        let socket: Socket
        do {
            socket = try makeSocket()
        } catch {
            state.withLock { $0.exitReason = .failed(error) }
            ready.signal()
            return
        }
        let endpoint = try? socket.lastEndpoint
        state.withLock { $0.lastEndpoint = endpoint }
        ready.signal()

        let reason = receiveLoop(socket)
        socket.close()
        state.withLock { $0.exitReason = reason }
    }

    private func makeSocket() throws(ZMQError) -> Socket {
        let socket = try Socket(context: context, kind: .sub)
        try socket.setReceiveHighWaterMark(configuration.receiveHighWaterMark)
        try socket.setMaxMessageSize(configuration.maxPartBytes)
        try socket.setReconnectInterval(configuration.reconnectInterval)
        try socket.setSecurity(configuration.security)
        for prefix in configuration.prefixes { try socket.subscribe(prefix) }
        for endpoint in configuration.endpoints {
            switch endpoint {
            case .connect(let address): try socket.connect(address)
            case .bind(let address): try socket.bind(address)
            }
        }
        return socket
    }

    private func receiveLoop(_ socket: Socket) -> ExitReason {
        let limits = (parts: configuration.maxParts, bytes: configuration.maxTotalBytes)
        do {
            while !stopRequested.load(ordering: .acquiring) {
                let ready = try socket.poll(.readable, timeout: configuration.stopCheckInterval)
                guard ready.contains(.readable) else { continue }
                // Drain everything queued, still honouring stop between messages.
                while !stopRequested.load(ordering: .acquiring),
                    let received = try socket.tryReceiveMultipart(
                        maxParts: limits.parts, maxTotalBytes: limits.bytes)
                {
                    switch received {
                    case .message(let parts): onMessage(parts)
                    case .oversized(let partCount, let totalBytes): onOversized(partCount, totalBytes)
                    }
                }
            }
            return .stopped
        } catch {
            return error.isTerminated ? .contextShutDown : .failed(error)
        }
    }
}
