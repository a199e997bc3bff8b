/// One position estimate, published as `[pos/v1/<receiver>/<ue>] [JSON object]`.
///
/// Field names mirror the JSON members (documented one by one in `docs/protocol.md`); the JSON mapping is in
/// `PositionFix+JSON.swift`. Non-finite numbers are legal in the value (a failed fix has NaN coordinates)
/// and are written as JSON `null`, which decodes back to NaN.
public struct PositionFix: Sendable, Equatable {
    /// The JSON `class` discriminator.
    static let messageClass = "FIX"
    /// The JSON `v` this implementation writes and reads.
    public static let currentVersion = 1
    /// The confidence used for ``UncertaintyEllipse`` unless a caller asks otherwise.
    public static let defaultConfidence = 0.95

    /// Outcome of the localization, as the `status` member.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// A fix the localizer trusts.
        case ok
        /// A fix was produced but a plausibility check failed (high cost, boundary hit, …).
        case suspect
        /// A fix the localizer trusted but that fell outside the innovation gate of its UE's track: the track
        /// did not use it (`track` then holds the prediction).
        case outlier
        /// No usable fix; coordinates may be NaN (`null`).
        case failed
    }

    /// `seq` of the CSI frame this fix was computed from.
    public var seq: UInt64
    /// Receiver id (from the frame).
    public var receiverID: UInt32
    /// UE id (from the frame).
    public var ueID: UInt32
    /// `t_capture_ns` of the source frame.
    public var tCaptureNs: Int64
    /// When this fix was published, ns since the Unix epoch.
    public var tPublishNs: Int64
    /// Position, metres, in the frame named ``frame``.
    public var position: SIMD3<Double>
    /// Name of the coordinate frame (e.g. `"scene"`).
    public var frame: String
    /// Row-major covariance in m²: 4 values (xy) or 9 (xyz); empty when unknown.
    public var covariance: [Double]
    /// Uncertainty ellipse from the xy block of ``covariance``; `nil` when it cannot be computed.
    public var ellipse: UncertaintyEllipse?
    /// Outcome.
    public var status: Status
    /// Final value of the localizer's objective (lower is better; model-specific units).
    public var cost: Double
    /// Time from frame receipt to publication, milliseconds.
    public var latencyMs: Double
    /// Identifier/digest of the model that produced the fix.
    public var model: String
    /// Distance from the frame's `truth` to ``position``, metres, when the frame carried a truth.
    public var truthErrorM: Double?
    /// Optional per-stage diagnostics (timings, iteration counts, …); must be a JSON object when set.
    public var stages: JSONValue?
    /// The UE's track at this fix's time, when the daemon tracks (`tracking.enabled`).
    public var track: Track?

    /// Creates a fix. ``ellipse`` is computed from `covariance` at `ellipseConfidence` (no ellipse when that
    /// is `nil` or the covariance does not give one).
    public init(
        seq: UInt64,
        receiverID: UInt32,
        ueID: UInt32,
        tCaptureNs: Int64,
        tPublishNs: Int64,
        position: SIMD3<Double>,
        frame: String = "scene",
        covariance: [Double] = [],
        ellipseConfidence: Double? = PositionFix.defaultConfidence,
        status: Status = .ok,
        cost: Double = .nan,
        latencyMs: Double = .nan,
        model: String = "",
        truthErrorM: Double? = nil,
        stages: JSONValue? = nil,
        track: Track? = nil
    ) {
        self.seq = seq
        self.receiverID = receiverID
        self.ueID = ueID
        self.tCaptureNs = tCaptureNs
        self.tPublishNs = tPublishNs
        self.position = position
        self.frame = frame
        self.covariance = covariance
        self.ellipse = ellipseConfidence.flatMap { UncertaintyEllipse(covariance: covariance, confidence: $0) }
        self.status = status
        self.cost = cost
        self.latencyMs = latencyMs
        self.model = model
        self.truthErrorM = truthErrorM
        self.stages = stages
        self.track = track
    }

    /// The topic this fix is published on (`pos/v1/<receiver>/<ue>`).
    package var topic: WireTopic { WireTopic(kind: .position, receiverID: receiverID, ueID: ueID) }

    /// Bitwise-tolerant equality for round-trip checks: like `==` but NaN equals NaN in every number.
    package func isIdentical(to other: PositionFix) -> Bool {
        jsonValue() == other.jsonValue()
    }
}
