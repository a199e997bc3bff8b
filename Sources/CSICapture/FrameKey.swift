import CSIWire

/// Identifies one CSI snapshot across the pipeline: a position fix names the frame it was computed from by
/// the same `(receiver, ue, seq)`.
public struct FrameKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `receiver_id`.
    public var receiverID: UInt32
    /// `ue_id`.
    public var ueID: UInt32
    /// `seq`.
    public var seq: UInt64

    /// Creates a key.
    init(receiverID: UInt32, ueID: UInt32, seq: UInt64) {
        self.receiverID = receiverID
        self.ueID = ueID
        self.seq = seq
    }

    /// The key of a decoded frame.
    init(_ header: CSIFrameHeader) {
        self.init(receiverID: header.receiverID, ueID: header.ueID, seq: header.seq)
    }

    /// The key of the frame a fix was computed from.
    init(_ fix: PositionFix) {
        self.init(receiverID: fix.receiverID, ueID: fix.ueID, seq: fix.seq)
    }

    /// Orders by receiver, then UE, then sequence number.
    public static func < (a: FrameKey, b: FrameKey) -> Bool {
        (a.receiverID, a.ueID, a.seq) < (b.receiverID, b.ueID, b.seq)
    }

    /// `receiver/ue#seq`, for logs and reports.
    public var description: String { "\(receiverID)/\(ueID)#\(seq)" }
}
