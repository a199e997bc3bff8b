public import CSIWire

/// One damaged stretch in a report's `capture_damage`: `{"offset":…,"bytes":…,"reason":…}`.
public struct CaptureDamageEntry: Codable, Sendable, Equatable {
    public var offset: Int64
    public var bytes: Int64
    /// A `CaptureReadReport.Damage.Reason` raw value.
    public var reason: String

    public init(_ damage: CaptureReadReport.Damage) {
        offset = damage.offset
        bytes = damage.byteCount
        reason = damage.reason.rawValue
    }

    /// Every entry of `report`.
    public static func all(_ report: CaptureReadReport) -> [CaptureDamageEntry] {
        report.damage.map(CaptureDamageEntry.init)
    }
}
