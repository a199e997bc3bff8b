import CZMQ
import Glibc

/// A failed libzmq call.
///
/// Carries the raw `errno` so callers can branch on it, the `zmq_strerror`
/// text for logs, the operation that failed and, for `bind`/`connect`, the
/// endpoint involved. Receive loops normally only need ``isTerminated``
/// (the context was shut down: leave the loop and close the socket) and
/// ``isTimeout`` (no message within the timeout, or nothing queued for a
/// non-blocking call: try again or give up).
public struct ZMQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `errno` value reported by libzmq (`zmq_errno()`).
    package let code: Int32
    /// Human-readable text from `zmq_strerror(code)`.
    public let message: String
    /// The libzmq call or library operation that failed, e.g. `"zmq_bind"`.
    package let operation: String
    /// The endpoint passed to `bind`/`connect`, when relevant.
    public let endpoint: String?

    /// Creates an error from an explicit `errno` value.
    public init(code: Int32, operation: String, endpoint: String? = nil) {
        self.code = code
        self.message = String(cString: zmq_strerror(code))
        self.operation = operation
        self.endpoint = endpoint
    }

    /// Captures `zmq_errno()` right after a failed call.
    static func last(_ operation: String, endpoint: String? = nil) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation, endpoint: endpoint)
    }

    /// The context was shut down or terminated (`ETERM`). The socket can
    /// no longer be used: close it so `Context.terminate()` can finish.
    public var isTerminated: Bool { code == ETERM }

    /// A receive/send timed out (`ZMQ_RCVTIMEO`/`ZMQ_SNDTIMEO`) or a
    /// non-blocking call would have blocked (`EAGAIN`). Not a fault.
    package var isTimeout: Bool { code == EAGAIN }

    /// The endpoint is already bound by this or another process (`EADDRINUSE`).
    package var isAddressInUse: Bool { code == EADDRINUSE }

    /// The socket was already closed by this library (`ENOTSOCK`).
    package var isClosed: Bool { code == ENOTSOCK }

    /// `operation failed: message (errno N)`, plus the endpoint when known.
    public var description: String {
        var text = "\(operation) failed: \(message) (errno \(code))"
        if let endpoint { text += " [endpoint: \(endpoint)]" }
        return text
    }
}

/// Retries a libzmq call while it fails with `EINTR` (a signal arrived).
///
/// Returns the first non-negative result, or throws the captured error.
@inline(__always)
func retryingEINTR(
    _ operation: String,
    endpoint: String? = nil,
    _ call: () -> Int32
) throws(ZMQError) -> Int32 {
    while true {
        let rc = call()
        if rc >= 0 { return rc }
        let error = ZMQError.last(operation, endpoint: endpoint)
        if error.code != EINTR { throw error }
    }
}
