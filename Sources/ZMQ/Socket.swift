import CZMQ
import Glibc

/// A single libzmq socket.
///
/// libzmq sockets are **not** thread-safe, so this type is deliberately not
/// `Sendable`: create it on the thread that uses it and keep it there. To
/// publish from many threads use ``Publisher``; to receive on a background
/// thread use ``Subscriber``. Never call the blocking methods from a Swift
/// concurrency task: the cooperative pool is tiny and a blocked task starves
/// everything else; use a dedicated `Thread`.
///
/// New sockets get a linger of zero (pending outbound messages are dropped
/// on close) so that ``Context/terminate()`` cannot hang on a dead peer.
/// Change it with ``setLinger(_:)`` if delivery on close matters.
public final class Socket {
    /// The libzmq socket types this binding supports.
    public enum Kind: Sendable {
        case pub, sub, xpub, xsub, push, pull, pair, req, rep, dealer, router

        var rawValue: Int32 {
            switch self {
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .xpub: ZMQ_XPUB
            case .xsub: ZMQ_XSUB
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .pair: ZMQ_PAIR
            case .req: ZMQ_REQ
            case .rep: ZMQ_REP
            case .dealer: ZMQ_DEALER
            case .router: ZMQ_ROUTER
            }
        }
    }

    /// Keeps the context alive for as long as the socket exists, so the
    /// context can never be terminated under a live socket by `deinit`.
    public let context: Context
    /// Fixed at creation; libzmq cannot change a socket's type.
    public let kind: Kind
    /// `nil` once closed.
    private(set) var handle: UnsafeMutableRawPointer?
    /// One `zmq_msg_t`, heap-allocated so its address stays stable across
    /// `zmq_msg_init`/`zmq_msg_recv`/`zmq_msg_close`.
    private let message: UnsafeMutablePointer<zmq_msg_t>

    /// Creates a socket of the given kind in `context`.
    ///
    /// Throws `ETERM` if the context is already shut down.
    public init(context: Context, kind: Kind) throws(ZMQError) {
        let handle = try context.makeSocketHandle(type: kind.rawValue)
        self.context = context
        self.kind = kind
        self.handle = handle
        self.message = .allocate(capacity: 1)
        zmq_msg_init(message)
        var zero: Int32 = 0
        zmq_setsockopt(handle, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size)
    }

    deinit {
        close()
        zmq_msg_close(message)
        message.deallocate()
    }

    /// Closes the socket. Idempotent. Any later call throws an error with
    /// ``ZMQError/isClosed`` set. Closing is what lets
    /// ``Context/terminate()`` return.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        zmq_close(handle)
    }

    /// The raw handle, or `ENOTSOCK` if the socket was closed.
    func liveHandle(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: operation) }
        return handle
    }

    // MARK: Endpoints

    /// Binds to an endpoint such as `tcp://127.0.0.1:*` (ephemeral port; read
    /// it back from ``lastEndpoint``), `ipc:///tmp/name.ipc` or `inproc://x`.
    /// Errors name the endpoint; `EADDRINUSE` means someone is bound there.
    ///
    /// Caution: for `ipc://` libzmq removes an existing socket file and binds
    /// anyway, so a second bind to the same path *succeeds* and silently
    /// takes the endpoint over from the first binder. Use unique paths. It
    /// also never deletes the socket file (not on close, not on unbind):
    /// remove it yourself when done.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_bind")
        _ = try retryingEINTR("zmq_bind", endpoint: endpoint) { zmq_bind(handle, endpoint) }
    }

    /// Connects to an endpoint. Succeeds even if nobody is listening yet:
    /// libzmq reconnects in the background (see ``setReconnectInterval(_:)``).
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_connect")
        _ = try retryingEINTR("zmq_connect", endpoint: endpoint) { zmq_connect(handle, endpoint) }
    }

    /// Stops listening on an endpoint previously passed to ``bind(_:)``
    /// (for wildcards use the resolved ``lastEndpoint``).
    func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_unbind")
        _ = try retryingEINTR("zmq_unbind", endpoint: endpoint) { zmq_unbind(handle, endpoint) }
    }

    /// Drops a connection made with ``connect(_:)``.
    func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_disconnect")
        _ = try retryingEINTR("zmq_disconnect", endpoint: endpoint) { zmq_disconnect(handle, endpoint) }
    }

    // MARK: Sending

    /// Sends one multipart message atomically: peers get all parts or none.
    ///
    /// Blocks only where the socket type blocks at its high-water mark
    /// (e.g. PUSH, DEALER) and up to ``setSendTimeout(_:)``; PUB never blocks
    /// and silently drops at its high-water mark. With `dontWait`, throws
    /// ``ZMQError/isTimeout`` instead of blocking.
    public func send(parts: [[UInt8]], dontWait: Bool = false) throws(ZMQError) {
        let handle = try liveHandle("zmq_send")
        let base = dontWait ? ZMQ_DONTWAIT : 0
        for (index, part) in parts.enumerated() {
            // Only the first part can block: once it is queued, libzmq
            // accepts the remaining parts of the same message.
            let isLast = index == parts.count - 1
            let flags = (isLast ? 0 : ZMQ_SNDMORE) | (index == 0 ? base : 0)
            _ = try retryingEINTR("zmq_send") {
                part.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            }
        }
    }

    /// Sends a single-part message. See ``send(parts:dontWait:)``.
    public func send(_ bytes: [UInt8], dontWait: Bool = false) throws(ZMQError) {
        try send(parts: [bytes], dontWait: dontWait)
    }

    // MARK: Receiving

    /// Blocks until a whole multipart message arrives, the receive timeout
    /// (``setReceiveTimeout(_:)``) expires (``ZMQError/isTimeout``), or the
    /// context is shut down (``ZMQError/isTerminated``).
    ///
    /// The limits protect against hostile or buggy peers: a message with
    /// more than `maxParts` parts or more than `maxTotalBytes` bytes in all
    /// is still read to its end (so the next call starts on a message
    /// boundary) but is not kept; you get ``ReceivedMessage/oversized(partCount:totalBytes:)``.
    /// libzmq itself already holds the whole message in memory; set
    /// `ZMQ_MAXMSGSIZE` on the socket if that must be bounded too.
    package func receiveMultipart(
        maxParts: Int = .max, maxTotalBytes: Int = .max
    ) throws(ZMQError) -> ReceivedMessage {
        // Non-nil: a blocking receive either yields a message or throws.
        try receive(flags: 0, maxParts: maxParts, maxTotalBytes: maxTotalBytes)!
    }

    /// Like ``receiveMultipart(maxParts:maxTotalBytes:)`` but never blocks:
    /// returns `nil` when no message is queued. Use after ``poll(_:timeout:)``
    /// to drain everything that is ready.
    public func tryReceiveMultipart(
        maxParts: Int = .max, maxTotalBytes: Int = .max
    ) throws(ZMQError) -> ReceivedMessage? {
        try receive(flags: ZMQ_DONTWAIT, maxParts: maxParts, maxTotalBytes: maxTotalBytes)
    }

    private func receive(
        flags firstFlags: Int32, maxParts: Int, maxTotalBytes: Int
    ) throws(ZMQError) -> ReceivedMessage? {
        let handle = try liveHandle("zmq_msg_recv")
        var parts: [[UInt8]] = []
        var partCount = 0
        var totalBytes = 0
        var oversized = false
        repeat {
            // Later parts of a message are already queued: flags 0 never waits.
            let flags = partCount == 0 ? firstFlags : 0
            do throws(ZMQError) {
                _ = try retryingEINTR("zmq_msg_recv") { zmq_msg_recv(message, handle, flags) }
            } catch {
                if partCount == 0, firstFlags == ZMQ_DONTWAIT, error.isTimeout { return nil }
                throw error
            }
            let size = zmq_msg_size(message)
            partCount += 1
            totalBytes += size
            if !oversized && (partCount > maxParts || totalBytes > maxTotalBytes) {
                oversized = true
                parts = []
            }
            if !oversized {
                let data = UnsafeRawBufferPointer(start: zmq_msg_data(message), count: size)
                parts.append([UInt8](data))
            }
        } while zmq_msg_more(message) != 0
        return oversized
            ? .oversized(partCount: partCount, totalBytes: totalBytes)
            : .message(parts)
    }
}

@available(*, unavailable, message: "libzmq sockets must stay on one thread; use Publisher or Subscriber")
extension Socket: Sendable {}

/// Outcome of a bounded multipart receive.
public enum ReceivedMessage: Sendable, Equatable {
    /// All parts, in order, byte-identical to what was sent.
    case message([[UInt8]])
    /// The message exceeded the limits; it was read to its end and dropped.
    case oversized(partCount: Int, totalBytes: Int)

    /// The parts, or `nil` for an oversized message.
    public var parts: [[UInt8]]? {
        if case .message(let parts) = self { return parts }
        return nil
    }
}
