import Synchronization

/// A thread-safe "please stop" request for the blocking loops of this module (recorder, replayer): set it
/// from any thread, a signal handler's helper, or a test; the loop notices within its poll interval
/// (100 ms) and finishes cleanly.
public final class StopFlag: Sendable {
    private let flag = Atomic(false)

    /// Creates an unset flag.
    public init() {}

    /// Requests the stop. Idempotent.
    public func request() { flag.store(true, ordering: .releasing) }

    /// Whether a stop was requested.
    public var isRequested: Bool { flag.load(ordering: .acquiring) }
}
