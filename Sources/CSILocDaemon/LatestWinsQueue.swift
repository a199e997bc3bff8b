import CSIWire
import Foundation

/// A validated frame waiting for a worker, with the times the latency metrics need.
struct PendingFrame: Sendable {
    var frame: CSIFrame
    /// When the receive thread got the message (monotonic).
    var received: ContinuousClock.Instant
    /// When it entered the queue (monotonic).
    var enqueued: ContinuousClock.Instant
}

/// The queue's depth right after a `put` or `take`, with the order of that change: the receive thread and the
/// workers report depths outside the queue's lock, so a report may arrive after a later one; the metrics keep
/// the one with the highest `version` (a stale depth would stay on `csilocd_queue_depth` until the next frame).
struct QueueDepth: Equatable, Sendable {
    var frames: Int
    var version: UInt64
}

/// The bounded hand-off between the receive thread and the workers: one slot of at most `perUE` frames per
/// (receiver, UE), served round-robin across UEs.
///
/// Overload policy: when a UE's slot is full, the new frame **supersedes** the oldest one in it (newest frames
/// win: a position a second late is worth less than a fresh one); when `maxUEs` UEs already have frames
/// pending, a frame of a further UE is **dropped**. Both are reported to the caller to be counted. The queue
/// therefore never holds more than `perUE · maxUEs` frames.
///
/// Workers block in ``take()`` on their own threads (never on the cooperative pool). ``close()`` lets them
/// drain what is queued and then return `nil`: that is the shutdown drain.
final class LatestWinsQueue: @unchecked Sendable {
    // @unchecked: all mutable state is touched only with `condition` locked.
    struct Key: Hashable {
        var receiver: UInt32
        var ue: UInt32
    }

    enum PutResult: Equatable {
        /// Queued; `superseded` older frames of the same UE were discarded to make room.
        case queued(superseded: Int, depth: QueueDepth)
        /// Not queued: too many UEs pending, or the queue is closed.
        case dropped(closed: Bool)
    }

    let perUE: Int
    let maxUEs: Int
    private let condition = NSCondition()
    private var slots: [Key: [PendingFrame]] = [:]
    /// UEs with pending frames, in service order; `head` indexes the next one (amortized O(1) pops).
    private var order: [Key] = []
    private var head = 0
    private var depth = 0
    /// Bumped with every change of `depth`, so that reports made outside the lock can be ordered.
    private var depthVersion: UInt64 = 0
    private var closed = false

    init(perUE: Int, maxUEs: Int) {
        precondition(perUE > 0 && maxUEs > 0)
        self.perUE = perUE
        self.maxUEs = maxUEs
    }

    /// Queues `item` (never blocks beyond the lock).
    func put(_ item: PendingFrame) -> PutResult {
        let key = Key(receiver: item.frame.header.receiverID, ue: item.frame.header.ueID)
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return .dropped(closed: true) }
        var superseded = 0
        if var slot = slots[key] {
            slot.append(item)
            if slot.count > perUE {
                superseded = slot.count - perUE
                slot.removeFirst(superseded)
            }
            slots[key] = slot
            depth += 1 - superseded
        } else {
            guard slots.count < maxUEs else { return .dropped(closed: false) }
            slots[key] = [item]
            order.append(key)
            depth += 1
        }
        condition.signal()
        depthVersion += 1
        return .queued(superseded: superseded, depth: QueueDepth(frames: depth, version: depthVersion))
    }

    /// The next frame (round-robin over UEs, oldest kept frame of that UE first), blocking until one is
    /// available; `nil` once the queue is closed and empty.
    func take() -> (item: PendingFrame, depth: QueueDepth)? {
        condition.lock()
        defer { condition.unlock() }
        while head == order.count, !closed { condition.wait() }
        guard head < order.count else { return nil }
        let key = order[head]
        head += 1
        var slot = slots[key]!
        let item = slot.removeFirst()
        if slot.isEmpty {
            slots[key] = nil
        } else {
            slots[key] = slot
            order.append(key)
        }
        if head == order.count {
            order.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        depth -= 1
        depthVersion += 1
        return (item, QueueDepth(frames: depth, version: depthVersion))
    }

    /// Stops accepting frames and wakes every waiting worker; queued frames are still handed out.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Frames currently queued.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return depth
    }

    /// UEs with frames queued.
    var pendingUEs: Int {
        condition.lock()
        defer { condition.unlock() }
        return slots.count
    }
}
