public import CSIChannel
public import CSIWire

/// Position fixes (what a daemon published, recorded with `csiloc record`) matched to the ground truth of
/// the CSI capture that was replayed into it, by `(receiver, ue, seq)`: the input of
/// `csiloc evaluate --positions … --truth …`.
///
/// Accounting, so that nothing disappears silently:
/// * ``matched`` — fixes whose key is in the truth set, in position-file order; a key fixed more than once
///   (e.g. a looped replay) contributes every fix and is counted in ``duplicateFixes``;
/// * ``failed`` — matched fixes with status `failed` or a non-finite position (kept out of the errors);
/// * ``unmatchedFixes`` — fixes whose key has no truth (another feed, or frames without `truth`);
/// * ``missingFrames`` — truth frames no fix refers to (dropped by the transport, rejected or skipped by the
///   daemon, or still in flight when recording stopped);
/// * ``undecodable`` — position records that are not valid fix messages.
public struct PositionMatch: Sendable {
    /// One fix with its truth.
    public struct Pair: Sendable {
        /// The frame.
        public var key: FrameKey
        /// The fix.
        public var fix: PositionFix
        /// The true position.
        public var truth: Point3
        /// Whether the frame had line of sight, when known.
        public var los: Bool?
        /// When the fix was recorded, ns since the Unix epoch.
        package var tRecvNs: Int64
    }

    /// Usable fixes (finite position, status not `failed`) with their truth.
    public var matched: [Pair] = []
    /// Matched fixes that carry no usable position.
    public var failed = 0
    /// Fixes beyond the first for the same key (all are in ``matched`` or ``failed``).
    public var duplicateFixes = 0
    /// Fixes whose key is not in the truth set.
    public var unmatchedFixes = 0
    /// Truth frames without any fix.
    public var missingFrames = 0
    /// Position records that did not decode.
    public var undecodable = 0
    /// Records read from the position capture.
    public var recordsRead = 0
    /// Damage the reader skipped in the position capture.
    public var report = CaptureReadReport()

    /// Creates an empty match.
    init() {}

    /// Reads a position capture and matches it against `truth`.
    public static func match(positionsPath: String, truth: LabeledCapture) throws(CaptureError) -> PositionMatch {
        let reader = try CaptureReader(path: positionsPath)
        var records: [CaptureRecord] = []
        while let record = try reader.next() { records.append(record) }
        var result = match(records: records, truth: truth)
        result.report = reader.report
        return result
    }

    /// Matches position records (`[pos topic, JSON]` messages with receive times) against `truth`.
    public static func match(records: [CaptureRecord], truth: LabeledCapture) -> PositionMatch {
        var index: [FrameKey: Int] = [:]
        for (i, key) in truth.keys.enumerated() where index[key] == nil { index[key] = i }
        var seen = Set<FrameKey>()
        var result = PositionMatch()
        for record in records {
            result.recordsRead += 1
            guard let fix = try? PositionFix(parts: record.parts) else {
                result.undecodable += 1
                continue
            }
            let key = FrameKey(fix)
            guard let i = index[key] else {
                result.unmatchedFixes += 1
                continue
            }
            if !seen.insert(key).inserted { result.duplicateFixes += 1 }
            let p = fix.position
            guard fix.status != .failed, p.x.isFinite, p.y.isFinite, p.z.isFinite else {
                result.failed += 1
                continue
            }
            result.matched.append(
                Pair(
                    key: key, fix: fix, truth: truth.truths[i], los: truth.los[i],
                    tRecvNs: record.tRecvNs))
        }
        result.missingFrames = Set(truth.keys).subtracting(seen).count
        return result
    }

    /// Errors ‖estimate − truth‖ of the matched fixes, metres; horizontal only when `horizontal`.
    public func errors(horizontal: Bool) -> [Double] {
        matched.map { pair in
            var d = pair.fix.position - pair.truth
            if horizontal { d.z = 0 }
            return (d * d).sum().squareRoot()
        }
    }

    /// `los` for every matched fix when all are known, else `nil`.
    public var completeLoS: [Bool]? {
        let known = matched.compactMap(\.los)
        return known.count == matched.count && !matched.isEmpty ? known : nil
    }

    /// Time between the first and the last matched fix's receipt, seconds (0 with fewer than two).
    public var spanSeconds: Double {
        guard let first = matched.map(\.tRecvNs).min(), let last = matched.map(\.tRecvNs).max() else { return 0 }
        // Receive times are read from a file: their difference may not fit an Int64.
        let (span, overflow) = last.subtractingReportingOverflow(first)
        return (overflow ? Double(last) - Double(first) : Double(span)) / 1e9
    }
}
