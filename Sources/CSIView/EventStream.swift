import FlyingFox
import FlyingSocks
import Foundation

/// One browser's `text/event-stream` body: the events ``EventBroadcaster`` queues for it, each as one chunk of
/// the chunked HTTP response. The client is removed when the response is released (the connection ended).
struct EventStream: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8

    /// Removes the client from the broadcaster when the last reference goes.
    final class Lease: Sendable {
        let id: Int
        let broadcaster: EventBroadcaster

        init(id: Int, broadcaster: EventBroadcaster) {
            self.id = id
            self.broadcaster = broadcaster
        }

        deinit { broadcaster.remove(id) }
    }

    let lease: Lease
    /// End the stream after this many events (keep-alive comments not counted); `nil`: never.
    let limit: Int?

    func makeAsyncIterator() -> Iterator { Iterator(lease: lease, limit: limit) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        let lease: Lease
        let limit: Int?
        private var pending: [UInt8] = []
        private var sent = 0

        init(lease: Lease, limit: Int?) {
            self.lease = lease
            self.limit = limit
        }

        /// The client's next event, or `nil` at the limit or when the broadcaster ends the stream.
        private mutating func nextEvent() async -> Data? {
            if let limit, sent >= limit { return nil }
            guard let event = await lease.broadcaster.next(lease.id) else { return nil }
            if event.first != UInt8(ascii: ":") { sent += 1 }
            return event
        }

        mutating func next() async throws -> UInt8? {
            if pending.isEmpty {
                guard let event = await nextEvent() else { return nil }
                pending = [UInt8](event)
            }
            return pending.removeFirst()
        }

        /// The next event whole (one snapshot: one chunk), ignoring the suggested size.
        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if !pending.isEmpty { defer { pending = [] }; return pending }
            guard let event = await nextEvent() else { return nil }
            return [UInt8](event)
        }
    }
}
