/// The schedule of a paced replay: when each record is due, relative to the start of the replay, from the
/// recorded receive times scaled by the ``ReplaySpeed``.
///
/// Pure arithmetic (no clock, no sleeping) so that the schedule is testable and reusable by anything that
/// re-publishes captures (`csiloc replay`, the demo, daemon tests):
///
/// * within a pass, record *k* is due at `(t_recv[k] − t_recv[0]) / speed` after the pass started;
/// * receive times that go backwards (a recorder clock step) never make the schedule go backwards: such a
///   record is due together with its predecessor;
/// * a looped replay starts each new pass one mean inter-arrival time after the last record of the previous
///   pass, so a looped capture keeps its average rate;
/// * with ``ReplaySpeed/maximum`` every record is due immediately.
package struct ReplayPacer: Sendable {
    /// The pace.
    package let speed: ReplaySpeed
    /// Receive time of the first record of the current pass.
    private var passOriginNs: Int64?
    /// Offset of the current pass's start from the replay's start, nanoseconds (already scaled).
    private var passStartNs: Double = 0
    /// Latest due offset handed out, nanoseconds from the replay's start.
    private var lastDueNs: Double = 0
    /// Recorded span and record count of the current pass (for the gap before the next pass).
    private var passSpanNs: Int64 = 0
    private var passCount = 0

    /// Creates a schedule starting at offset zero.
    package init(speed: ReplaySpeed) {
        self.speed = speed
    }

    /// The offset from the start of the replay at which the record received at `tRecvNs` should be sent.
    /// Call once per record, in file order.
    package mutating func due(forRecordAt tRecvNs: Int64) -> Duration {
        guard case .factor(let factor) = speed else { return .zero }
        let origin = passOriginNs ?? tRecvNs
        passOriginNs = origin
        // Receive times come from a file: any two Int64s, whose difference may not fit an Int64 (it saturates).
        let (span, overflow) = tRecvNs.subtractingReportingOverflow(origin)
        let recorded = max(overflow ? (tRecvNs > origin ? .max : .min) : span, passSpanNs) // never backwards within a pass
        passSpanNs = recorded
        passCount += 1
        let due = max(passStartNs + Double(recorded) / factor, lastDueNs)
        lastDueNs = due
        return Self.duration(nanoseconds: due)
    }

    /// Longest offset handed out: about 292 years (`Int64.max` ns); later offsets (from extreme receive times or
    /// a tiny speed factor) are clamped to it instead of trapping in the conversion.
    package static let maximumDue = Duration.nanoseconds(Int64.max)

    static func duration(nanoseconds: Double) -> Duration {
        // 2^63 is the first Double above Int64.max; `Int64(_:)` traps from there on (and on infinity).
        guard nanoseconds < 0x1p63 else { return maximumDue }
        return .nanoseconds(Int64(max(nanoseconds, 0).rounded()))
    }

    /// Starts the next pass of a looped replay: it begins one mean inter-arrival time (of the pass just
    /// finished, scaled) after that pass's last record.
    package mutating func startNextPass() {
        if case .factor(let factor) = speed, passCount > 1 {
            lastDueNs = min(lastDueNs + Double(passSpanNs) / Double(passCount - 1) / factor, 0x1p63)
        }
        passStartNs = lastDueNs
        passOriginNs = nil
        passSpanNs = 0
        passCount = 0
    }
}
