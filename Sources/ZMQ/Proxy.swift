import CZMQ
import Dispatch
import Foundation
import Glibc
import Synchronization

/// A PUB/SUB forwarder on libzmq's own `zmq_proxy_steerable`: an XSUB socket that connects to several
/// publishers (e.g. the fix feeds of several daemons) and an XPUB socket bound for subscribers. Messages flow
/// publisher → XSUB → XPUB → subscribers; subscriptions flow back the other way, so publishers still filter
/// by topic. libzmq moves whole multipart messages, so nothing is split or merged.
///
/// The proxy runs on a thread of its own (its sockets are created, used and closed there); ``stop()`` sends
/// `TERMINATE` on an inproc control socket, which ends `zmq_proxy_steerable` at once. ``statistics()`` asks
/// the running proxy for its counters (`STATISTICS`).
public final class Proxy: Sendable {
    /// A publisher the XSUB connects to.
    public struct Frontend: Sendable, Hashable {
        /// The publisher's endpoint, e.g. `tcp://host-a:5556`.
        public var endpoint: String
        /// Plaintext, or a CURVE client pinning this publisher's server key.
        public var security: SocketSecurity

        /// A frontend connecting to `endpoint` with `security`.
        public init(endpoint: String, security: SocketSecurity = .plaintext) {
            self.endpoint = endpoint
            self.security = security
        }
    }

    /// Sockets and security.
    public struct Configuration: Sendable {
        /// Publishers the XSUB connects to: all plaintext, or all CURVE clients (each may pin another server key).
        var frontends: [Frontend]
        /// Endpoint the XPUB binds, e.g. `tcp://0.0.0.0:5600`.
        var backend: String
        /// Plaintext, or a CURVE server (then a ``ZAPHandler`` must run in the context first).
        public var backendSecurity: SocketSecurity = .plaintext
        /// `ZMQ_RCVHWM` of the XSUB and `ZMQ_SNDHWM` of the XPUB (per subscriber), messages.
        public var highWaterMark: Int32 = 100_000
        /// `ZMQ_RECONNECT_IVL` of the XSUB towards publishers that are down (backoff disabled).
        var reconnectInterval: Duration = .milliseconds(100)
        /// Name of the proxy thread.
        public var threadName = "zmq-proxy"

        /// A proxy from `frontends` to the XPUB socket bound at `backend`.
        public init(frontends: [Frontend], backend: String) {
            self.frontends = frontends
            self.backend = backend
        }
    }

    /// The counters of `zmq_proxy_steerable` (`STATISTICS`): messages and bytes per socket and direction.
    public struct Statistics: Sendable, Hashable {
        package var frontendMessagesIn: UInt64, frontendBytesIn: UInt64
        var frontendMessagesOut: UInt64, frontendBytesOut: UInt64
        var backendMessagesIn: UInt64, backendBytesIn: UInt64
        /// Messages and bytes the backend forwarded to subscribers.
        public var backendMessagesOut: UInt64, backendBytesOut: UInt64
    }

    private let context: Context
    private let configuration: Configuration
    private let controlEndpoint: String
    /// The controlling end of the PAIR control channel (the proxy thread holds the other end).
    private let control: Mutex<Socket?>
    private let state = Mutex<(backendEndpoint: String?, error: ZMQError?)>((nil, nil))
    private let finished = DispatchGroup()

    /// Creates the sockets on the proxy thread, connects the frontends, binds the backend and starts
    /// forwarding; returns once that is done, throwing a setup error (bad or busy endpoint, a frontend
    /// security mix) instead.
    public init(context: Context, configuration: Configuration) throws(ZMQError) {
        let encrypted = configuration.frontends.filter(\.security.isEncrypted).count
        guard !configuration.frontends.isEmpty, encrypted == 0 || encrypted == configuration.frontends.count else {
            throw ZMQError(code: EINVAL, operation: "Proxy: frontends must be all plaintext or all CURVE")
        }
        self.context = context
        self.configuration = configuration
        controlEndpoint = "inproc://zmq-proxy-control-\(UUID().uuidString)"
        let controller = try Socket(context: context, kind: .pair)
        try controller.bind(controlEndpoint)
        control = Mutex(controller)
        startOwnedThread(name: configuration.threadName, finished: finished) { [self] ready in run(signalling: ready) }
        if let error = state.withLock({ $0.error }) {
            finished.wait()
            closeControl()
            throw error
        }
    }

    /// The backend's resolved endpoint (a wildcard TCP port resolved).
    public var backendEndpoint: String { state.withLock { $0.backendEndpoint } ?? configuration.backend }

    /// Why the proxy ended on its own (`nil` while running or after ``stop()``).
    public var failure: ZMQError? { state.withLock { $0.error } }

    /// Asks the running proxy for its counters; waits at most `timeout` for the answer.
    public func statistics(timeout: Duration = .seconds(1)) throws(ZMQError) -> Statistics {
        let result: Result<Statistics, ZMQError> = control.withLock { socket in
            guard let socket else { return .failure(ZMQError(code: ENOTSOCK, operation: "Proxy.statistics")) }
            do throws(ZMQError) {
                try socket.send(Array("STATISTICS".utf8))
                guard try socket.poll(.readable, timeout: timeout).contains(.readable),
                    let parts = try socket.tryReceiveMultipart(maxParts: 8, maxTotalBytes: 64)?.parts,
                    parts.count == 8, parts.allSatisfy({ $0.count == 8 })
                else { return .failure(ZMQError(code: EAGAIN, operation: "Proxy.statistics")) }
                let v = parts.map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
                return .success(
                    Statistics(
                        frontendMessagesIn: v[0], frontendBytesIn: v[1], frontendMessagesOut: v[2],
                        frontendBytesOut: v[3], backendMessagesIn: v[4], backendBytesIn: v[5],
                        backendMessagesOut: v[6], backendBytesOut: v[7]))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Stops forwarding and waits until the proxy thread has closed its sockets. Idempotent; from any thread.
    public func stop() {
        control.withLock { socket in
            // A failed send means the proxy already ended (context shut down): nothing to stop.
            try? socket?.send(Array("TERMINATE".utf8), dontWait: true)
        }
        finished.wait()
        closeControl()
    }

    /// Blocks until the proxy ends (``stop()`` from another thread, or context shutdown).
    public func wait() {
        finished.wait()
    }

    private func closeControl() {
        control.withLock { socket in
            socket?.close()
            socket = nil
        }
    }

    // MARK: - Thread body

    private func run(signalling ready: DispatchSemaphore) {
        defer { finished.leave() }
        let sockets: (frontend: Socket, backend: Socket, control: Socket)
        do {
            sockets = try makeSockets()
        } catch {
            state.withLock { $0.error = error }
            ready.signal()
            return
        }
        let endpoint = try? sockets.backend.lastEndpoint
        state.withLock { $0.backendEndpoint = endpoint }
        ready.signal()
        defer {
            sockets.frontend.close()
            sockets.backend.close()
            sockets.control.close()
        }
        do throws(ZMQError) {
            guard let frontend = sockets.frontend.handle, let backend = sockets.backend.handle,
                let control = sockets.control.handle
            else { return }
            // TERMINATE returns 0; a signal interrupting the internal poll returns EINTR: resume.
            while zmq_proxy_steerable(frontend, backend, nil, control) != 0 {
                let error = ZMQError.last("zmq_proxy_steerable")
                if error.code != EINTR { throw error }
            }
        } catch  where error.isTerminated {
            // Context shut down: the owner is tearing everything down.
        } catch {
            state.withLock { $0.error = error }
        }
    }

    private func makeSockets() throws(ZMQError) -> (frontend: Socket, backend: Socket, control: Socket) {
        let control = try Socket(context: context, kind: .pair)
        try control.connect(controlEndpoint)
        let frontend = try Socket(context: context, kind: .xsub)
        try frontend.setReceiveHighWaterMark(configuration.highWaterMark)
        try frontend.setReconnectInterval(configuration.reconnectInterval)
        for publisher in configuration.frontends {
            try frontend.setSecurity(publisher.security)
            try frontend.connect(publisher.endpoint)
        }
        let backend = try Socket(context: context, kind: .xpub)
        try backend.setSendHighWaterMark(configuration.highWaterMark)
        try backend.setSecurity(configuration.backendSecurity)
        try backend.bind(configuration.backend)
        return (frontend, backend, control)
    }
}
