import CZMQ
import Glibc

/// Readiness conditions for ``poll(_:timeout:)``.
public struct PollEvents: OptionSet, Sendable, Hashable {
    /// The `ZMQ_POLLIN`/`ZMQ_POLLOUT`/`ZMQ_POLLERR` bits.
    public let rawValue: Int16
    /// Events from their libzmq bits.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one whole message can be received without blocking.
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    package static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits until at least one socket is ready for the requested events,
/// the timeout expires, or the context is shut down.
///
/// Use it to wait on several sockets from one thread, or to bound a wait so
/// a loop can check a stop flag (as ``Subscriber`` does). All sockets must
/// belong to the calling thread.
///
/// - Parameters:
///   - items: sockets and the events of interest for each.
///   - timeout: `nil` waits indefinitely; `.zero` just checks.
/// - Returns: the events that are ready, index-aligned with `items`
///   (empty sets when the timeout expired).
/// - Throws: ``ZMQError/isTerminated`` after ``Context/shutdown()``;
///   ``ZMQError/isClosed`` if a socket was closed. `EINTR` is retried with
///   the remaining time.
public func poll(
    _ items: [(socket: Socket, events: PollEvents)],
    timeout: Duration?
) throws(ZMQError) -> [PollEvents] {
    var raw: [zmq_pollitem_t] = []
    raw.reserveCapacity(items.count)
    for item in items {
        let handle = try item.socket.liveHandle("zmq_poll")
        raw.append(zmq_pollitem_t(socket: handle, fd: 0, events: item.events.rawValue, revents: 0))
    }
    let clock = ContinuousClock()
    let deadline = timeout.map { clock.now.advanced(by: $0) }
    while true {
        var remainingMs = -1
        if let deadline {
            let left = clock.now.duration(to: deadline)
            let (seconds, attoseconds) = left.components
            // Round up so a sub-millisecond remainder still waits.
            let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            remainingMs = Int(max(ms, 0))
        }
        let count = raw.count
        let rc = raw.withUnsafeMutableBufferPointer {
            zmq_poll($0.baseAddress, Int32(count), remainingMs)
        }
        if rc >= 0 { break }
        let error = ZMQError.last("zmq_poll")
        if error.code != EINTR { throw error }
    }
    return raw.map { PollEvents(rawValue: $0.revents).intersection([.readable, .writable]) }
}

extension Socket {
    /// Single-socket form of ``poll(_:timeout:)``: returns the ready subset
    /// of `events`, empty on timeout.
    public func poll(_ events: PollEvents, timeout: Duration?) throws(ZMQError) -> PollEvents {
        try ZMQ.poll([(socket: self, events: events)], timeout: timeout)[0]
    }
}
