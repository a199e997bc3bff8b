/// Counts frames lost upstream from the per-publisher sequence numbers (protocol v1: `seq` is +1 per
/// snapshot per publisher, i.e. per receiver id; a jump means the publisher or ZeroMQ dropped frames).
///
/// A `seq` at or below the last one seen is a publisher restart (or reordering): the tracker resets and
/// counts it separately instead of reporting a huge gap. At most `capacity` receivers are tracked, so a
/// feed with ever-new receiver ids cannot grow it without bound. Owned by the receive thread.
struct SequenceTracker {
    enum Observation: Equatable {
        case first, inOrder, gap(missing: UInt64), reset, untracked
    }

    private var last: [UInt32: UInt64] = [:]
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    mutating func observe(receiver: UInt32, seq: UInt64) -> Observation {
        guard let previous = last[receiver] else {
            guard last.count < capacity else { return .untracked }
            last[receiver] = seq
            return .first
        }
        last[receiver] = seq
        if seq == previous &+ 1 { return .inOrder }
        if seq > previous { return .gap(missing: seq - previous - 1) }
        return .reset
    }
}
