import Foundation
import Synchronization

/// Fans Server-Sent Events out to the connected browsers, bounded: at most ``ViewLimits/maxClients`` streams
/// (``subscribe()`` refuses more), each with at most ``ViewLimits/clientQueue`` events waiting; a browser that
/// falls further behind is dropped — its stream ends (an `EventSource` reconnects by itself and starts again
/// from a fresh snapshot).
final class EventBroadcaster: Sendable {
    private struct Client {
        var queue: [Data] = []
        var waiting: CheckedContinuation<Data?, Never>?
    }

    private struct State {
        var clients: [Int: Client] = [:]
        var nextID = 0
        var dropped = 0
        var refused = 0
        var closed = false
    }

    private let limits: ViewLimits
    private let state = Mutex(State())
    /// Called with (current, dropped, refused) after every change of the client set.
    private let onChange: @Sendable (Int, Int, Int) -> Void

    init(limits: ViewLimits, onChange: @escaping @Sendable (Int, Int, Int) -> Void = { _, _, _ in }) {
        self.limits = limits
        self.onChange = onChange
    }

    /// A new client's id with `first` queued for it, or `nil` at the client cap or after ``close()``.
    func subscribe(first: Data) -> Int? {
        guard let id = reserve() else { return nil }
        prepend(id, first)
        return id
    }

    /// A new client's id with nothing queued yet, or `nil` at the client cap or after ``close()`` (counted as
    /// refused) — before any work is done for it.
    func reserve() -> Int? {
        let (id, counts) = state.withLock { s -> (Int?, (Int, Int, Int)) in
            guard !s.closed, s.clients.count < limits.maxClients else {
                s.refused += 1
                return (nil, (s.clients.count, s.dropped, s.refused))
            }
            let id = s.nextID
            s.nextID += 1
            s.clients[id] = Client()
            return (id, (s.clients.count, s.dropped, s.refused))
        }
        onChange(counts.0, counts.1, counts.2)
        return id
    }

    /// Puts `event` ahead of the client's queue (its first event, prepared after ``reserve()``); hands it over at
    /// once when the client is waiting.
    func prepend(_ id: Int, _ event: Data) {
        let waiting = state.withLock { s -> CheckedContinuation<Data?, Never>? in
            guard var client = s.clients[id] else { return nil }
            if let w = client.waiting {
                client.waiting = nil
                s.clients[id] = client
                return w
            }
            client.queue.insert(event, at: 0)
            s.clients[id] = client
            return nil
        }
        waiting?.resume(returning: event)
    }

    /// Queues `event` for every client; drops the clients whose queue is full.
    func broadcast(_ event: Data) {
        var resume: [CheckedContinuation<Data?, Never>] = []
        let (changed, counts) = state.withLock { s -> (Bool, (Int, Int, Int)) in
            var changed = false
            for id in Array(s.clients.keys) {
                if let waiting = s.clients[id]?.waiting {
                    s.clients[id]?.waiting = nil
                    resume.append(waiting)
                } else if s.clients[id]!.queue.count < limits.clientQueue {
                    s.clients[id]?.queue.append(event)
                } else {
                    s.clients[id] = nil
                    s.dropped += 1
                    changed = true
                }
            }
            return (changed, (s.clients.count, s.dropped, s.refused))
        }
        for r in resume { r.resume(returning: event) }
        if changed { onChange(counts.0, counts.1, counts.2) }
    }

    /// The client's next event, waiting for one; `nil` once it was dropped or removed, or after ``close()``.
    func next(_ id: Int) async -> Data? {
        await withCheckedContinuation { (c: CheckedContinuation<Data?, Never>) in
            let ready: Data?? = state.withLock { s in
                guard var client = s.clients[id] else { return .some(nil) }
                if !client.queue.isEmpty {
                    let event = client.queue.removeFirst()
                    s.clients[id] = client
                    return .some(event)
                }
                client.waiting = c
                s.clients[id] = client
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Forgets a client (its connection ended).
    func remove(_ id: Int) {
        let (waiting, counts) = state.withLock { s -> (CheckedContinuation<Data?, Never>?, (Int, Int, Int)) in
            let waiting = s.clients.removeValue(forKey: id)?.waiting
            return (waiting, (s.clients.count, s.dropped, s.refused))
        }
        waiting?.resume(returning: nil)
        onChange(counts.0, counts.1, counts.2)
    }

    /// Ends every stream and refuses new ones.
    func close() {
        let waiting = state.withLock { s -> [CheckedContinuation<Data?, Never>] in
            s.closed = true
            let w = s.clients.values.compactMap(\.waiting)
            s.clients = [:]
            return w
        }
        for w in waiting { w.resume(returning: nil) }
        onChange(0, state.withLock { $0.dropped }, state.withLock { $0.refused })
    }

    /// Clients streaming now.
    var clientCount: Int { state.withLock { $0.clients.count } }
}
