import CZMQ
import Glibc
import Synchronization

/// A libzmq context: owns the I/O threads and every socket created from it.
///
/// Create one per process (or per isolated component) and share it freely:
/// libzmq contexts are thread-safe, hence `@unchecked Sendable`.
///
/// Orderly teardown:
/// 1. close sockets you own (e.g. ``Publisher/close()``),
/// 2. call ``shutdown()`` so sockets blocked in other threads (e.g. a
///    ``Subscriber`` thread) wake up with `ETERM` and close themselves,
/// 3. join those threads, then call ``terminate()``.
///
/// Sockets keep their context alive, so `deinit` only runs after every
/// ``Socket`` is gone and then terminates the context if you did not.
public final class Context: @unchecked Sendable {
    private struct State {
        var shutDown = false
        var terminated = false
    }

    /// The raw `void *` context. Only dereferenced while `state` says it
    /// has not been terminated.
    private let handle: UnsafeMutableRawPointer
    private let state = Mutex(State())

    /// Creates a context.
    ///
    /// - Parameter ioThreads: libzmq background I/O threads. One is enough
    ///   for well under a gigabyte per second; raise it only if measured.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError.last("zmq_ctx_new")
        }
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = ZMQError.last("zmq_ctx_set(ZMQ_IO_THREADS)")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    deinit {
        terminate()
    }

    /// Whether ``shutdown()`` or ``terminate()`` has been called.
    var isShutDown: Bool {
        state.withLock { $0.shutDown || $0.terminated }
    }

    /// Makes every blocking call on this context's sockets, in any thread,
    /// return `ETERM` (see ``ZMQError/isTerminated``), and makes new
    /// sockets fail. Does not block; call it from any thread, any number
    /// of times. Use it to stop receive loops before ``terminate()``.
    public func shutdown() {
        state.withLock { state in
            guard !state.terminated, !state.shutDown else { return }
            state.shutDown = true
            _ = zmq_ctx_shutdown(handle)
        }
    }

    /// Destroys the context. **Blocks until every socket of this context
    /// has been closed** (and, per socket linger, pending messages are sent
    /// or dropped). Call it after joining threads that own sockets.
    /// Idempotent; later calls return immediately.
    public func terminate() {
        let shouldTerminate = state.withLock { state -> Bool in
            guard !state.terminated else { return false }
            state.terminated = true
            return true
        }
        guard shouldTerminate else { return }
        // Outside the lock: zmq_ctx_term waits for sockets that other
        // threads are closing, and those must not need our lock.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// Creates a raw libzmq socket, unless the context is already shut
    /// down or terminated (in which case `ETERM` is thrown instead of
    /// touching a freed context).
    func makeSocketHandle(type: Int32) throws(ZMQError) -> UnsafeMutableRawPointer {
        let result: Result<UnsafeMutableRawPointer, ZMQError> = state.withLock { state in
            guard !state.terminated, !state.shutDown else {
                return .failure(ZMQError(code: ETERM, operation: "zmq_socket"))
            }
            guard let socket = zmq_socket(handle, type) else {
                return .failure(ZMQError.last("zmq_socket"))
            }
            return .success(socket)
        }
        return try result.get()
    }
}
