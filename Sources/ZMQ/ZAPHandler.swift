import Dispatch
import Foundation
import Synchronization

/// The ZAP handler of a context (ZeroMQ RFC 27, ZAP 1.0): the thread that tells libzmq whether a CURVE
/// client may connect to a server socket of that context.
///
/// libzmq sends one request per handshake of a server socket (``SocketSecurity/curveServer(keyPair:zapDomain:)``)
/// to `inproc://zeromq.zap.01`; this handler binds that endpoint on a thread of its own and answers `200` when
/// the client's public key is in the allow-list of the request's domain, `400` otherwise (another mechanism
/// than CURVE, an unknown domain, a malformed request). libzmq closes a refused connection during the
/// handshake: the client receives nothing, not even an error message.
///
/// Start it **before** the server sockets bind and stop it only after they are closed: a server socket set up
/// by this module refuses every client while no handler is bound (`ZMQ_ZAP_ENFORCE_DOMAIN`), but a libzmq
/// built without that option would accept every client. One handler per context (the endpoint is fixed).
public final class ZAPHandler: Sendable {
    /// The endpoint libzmq sends ZAP requests to.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// One answered request.
    public struct Decision: Sendable, Hashable {
        /// The server socket's `ZMQ_ZAP_DOMAIN`.
        public var domain: String
        /// The peer's address (an IP address for TCP, empty for ipc/inproc).
        public var address: String
        /// The client's public key, when the request was a well-formed CURVE request.
        public var clientKey: CurveKey?
        /// Whether the client was let in (`200`).
        public var allowed: Bool
    }

    private let context: Context
    private let allowLists: Mutex<[String: Set<CurveKey>]>
    private let onDecision: @Sendable (Decision) -> Void
    private let stopCheckInterval: Duration
    private let stopRequested = Atomic(false)
    private let failure = Mutex<ZMQError?>(nil)
    private let finished = DispatchGroup()
    private let answered = Atomic(0)

    /// Binds ``endpoint`` on a new thread (named `threadName`) and returns once it is bound, so that server
    /// sockets created afterwards are covered.
    ///
    /// - Parameters:
    ///   - allowLists: per ZAP domain, the client public keys let in.
    ///   - onDecision: called on the handler thread after each answer (keep it short: handshakes wait).
    /// - Throws: `EADDRINUSE` when the context already has a handler; `ETERM` after context shutdown.
    public init(
        context: Context, allowLists: [String: Set<CurveKey>], threadName: String = "zmq-zap",
        stopCheckInterval: Duration = .milliseconds(100),
        onDecision: @escaping @Sendable (Decision) -> Void = { _ in }
    ) throws(ZMQError) {
        self.context = context
        self.allowLists = Mutex(allowLists)
        self.onDecision = onDecision
        self.stopCheckInterval = stopCheckInterval
        startOwnedThread(name: threadName, finished: finished) { [self] ready in run(signalling: ready) }
        if let error = failure.withLock({ $0 }) {
            finished.wait()
            throw error
        }
    }

    /// A handler for one socket: `nil` unless `security` is a CURVE server, else a handler letting `clients`
    /// in under the server's domain. For tools with a single socket per context (record, replay, proxy).
    public static func serving(
        _ security: SocketSecurity, clients: Set<CurveKey>, context: Context, threadName: String = "zmq-zap"
    ) throws(ZMQError) -> ZAPHandler? {
        guard case .curveServer(_, let domain) = security else { return nil }
        return try ZAPHandler(context: context, allowLists: [domain: clients], threadName: threadName)
    }

    /// Replaces the allow-list of `domain` (e.g. on a configuration reload). Applies to the next handshake;
    /// established connections stay.
    public func setAllowList(_ keys: Set<CurveKey>, domain: String) {
        allowLists.withLock { $0[domain] = keys }
    }

    /// The allow-list of `domain` in effect.
    func allowList(domain: String) -> Set<CurveKey> {
        allowLists.withLock { $0[domain] ?? [] }
    }

    /// Requests answered so far.
    var requestsAnswered: Int { answered.load(ordering: .relaxed) }

    /// Why the thread ended early, when it did (`nil` while it runs or after a normal stop).
    var failed: ZMQError? { failure.withLock { $0 } }

    /// Stops the thread and waits until it has closed its socket (at most one stop-check interval). Call it
    /// after the server sockets of the context are closed and before ``Context/terminate()``. Idempotent.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        finished.wait()
    }

    // MARK: - Thread body

    private func run(signalling ready: DispatchSemaphore) {
        defer { finished.leave() }
        let socket: Socket
        do {
            socket = try Socket(context: context, kind: .rep)
            try socket.bind(Self.endpoint)
        } catch {
            failure.withLock { $0 = error }
            ready.signal()
            return
        }
        ready.signal()
        defer { socket.close() }
        do {
            while !stopRequested.load(ordering: .acquiring) {
                guard try socket.poll(.readable, timeout: stopCheckInterval).contains(.readable) else { continue }
                // REP: exactly one reply per request, so read one message and answer it before the next.
                guard let request = try socket.tryReceiveMultipart(maxParts: 16, maxTotalBytes: 4096) else { continue }
                try socket.send(parts: answer(request))
                answered.add(1, ordering: .relaxed)
            }
        } catch  where error.isTerminated {
            // Context shut down: nothing more to authenticate.
        } catch {
            failure.withLock { $0 = error }
        }
    }

    /// The reply frames for one request: version, request id, status code, status text, user id, metadata.
    func answer(_ request: ReceivedMessage) -> [[UInt8]] {
        guard let parts = request.parts, parts.count >= 6, parts[0] == Array("1.0".utf8) else {
            return reply(
                requestID: request.parts?.dropFirst().first ?? [], status: "400", text: "malformed ZAP request")
        }
        let requestID = parts[1]
        let domain = String(decoding: parts[2], as: UTF8.self)
        let address = String(decoding: parts[3], as: UTF8.self)
        let isCurve = parts[5] == Array("CURVE".utf8) && parts.count == 7
        let key = isCurve ? CurveKey(bytes: parts[6]) : nil
        let allowed = key.map { key in allowLists.withLock { $0[domain]?.contains(key) ?? false } } ?? false
        onDecision(Decision(domain: domain, address: address, clientKey: key, allowed: allowed))
        if allowed, let key {
            return reply(requestID: requestID, status: "200", text: "OK", userID: key.z85)
        }
        return reply(
            requestID: requestID, status: "400", text: key == nil ? "CURVE required" : "client key not allowed")
    }

    private func reply(requestID: [UInt8], status: String, text: String, userID: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), requestID, Array(status.utf8), Array(text.utf8), Array(userID.utf8), []]
    }
}
