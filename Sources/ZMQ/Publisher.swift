import Glibc
import Synchronization

/// A PUB socket that any thread (or task) may publish through.
///
/// The socket lives behind a `Mutex`, which both serialises access and
/// provides the memory barrier libzmq requires when a socket changes
/// threads. Publishing never blocks: PUB drops messages for a subscriber
/// whose queue is at the high-water mark, and sends use `ZMQ_DONTWAIT`.
/// It is therefore safe to call ``publish(_:)`` from an async context.
///
/// Remember the PUB/SUB "slow joiner": messages sent before a subscriber's
/// subscription has reached the publisher are silently lost. Either accept
/// that or handshake (e.g. publish probes until the subscriber sees one).
///
/// Call ``close()`` before ``Context/shutdown()``/``Context/terminate()``.
public final class Publisher: Sendable {
    private let socket: Mutex<Socket?>
    /// The resolved endpoint of the last `bind` or `connect` at creation
    /// time (wildcard ports resolved), e.g. to hand to subscribers.
    public let lastEndpoint: String

    /// Creates the PUB socket, applies options, then binds and connects.
    ///
    /// - Parameters:
    ///   - bind: endpoints to listen on (the usual case for a publisher).
    ///   - connect: endpoints to connect to (e.g. a bound subscriber or proxy).
    ///   - sendHighWaterMark: per-subscriber queue length before dropping.
    ///   - linger: how long ``close()`` keeps unsent messages; `.zero` drops.
    ///   - security: plaintext, or CURVE (a server needs a ``ZAPHandler`` running in `context` first).
    public init(
        context: Context,
        bind: [String] = [],
        connect: [String] = [],
        sendHighWaterMark: Int32 = 1000,
        linger: Duration? = .zero,
        security: SocketSecurity = .plaintext
    ) throws(ZMQError) {
        let socket = try Socket(context: context, kind: .pub)
        try socket.setSendHighWaterMark(sendHighWaterMark)
        try socket.setLinger(linger)
        try socket.setSecurity(security)
        for endpoint in bind { try socket.bind(endpoint) }
        for endpoint in connect { try socket.connect(endpoint) }
        lastEndpoint = (bind.isEmpty && connect.isEmpty) ? "" : try socket.lastEndpoint
        self.socket = Mutex(socket)
    }

    /// Publishes one multipart message; the first part is the topic that
    /// subscribers filter on by prefix. Returns without blocking; a message
    /// dropped at the high-water mark is *not* reported.
    ///
    /// - Throws: ``ZMQError/isClosed`` after ``close()``,
    ///   ``ZMQError/isTerminated`` after context shutdown.
    public func publish(_ parts: [[UInt8]]) throws(ZMQError) {
        let result: Result<Void, ZMQError> = socket.withLock { socket in
            guard let socket else {
                return .failure(ZMQError(code: ENOTSOCK, operation: "Publisher.publish"))
            }
            do throws(ZMQError) {
                try socket.send(parts: parts, dontWait: true)
                return .success(())
            } catch {
                // PUB has no blocking state; EAGAIN here would only mean a
                // full queue, which PUB semantics treat as a drop.
                return error.isTimeout ? .success(()) : .failure(error)
            }
        }
        try result.get()
    }

    /// Closes the socket. Idempotent; safe from any thread. Later
    /// ``publish(_:)`` calls throw ``ZMQError/isClosed``.
    public func close() {
        socket.withLock { socket in
            socket?.close()
            socket = nil
        }
    }
}
