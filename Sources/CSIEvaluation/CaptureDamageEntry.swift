package import CSIWire

/// One damaged stretch in a report's `capture_damage`: `{"offset":…,"bytes":…,"reason":…}`.
package struct CaptureDamageEntry: Codable, Sendable, Equatable {
    var offset: Int64
    package var bytes: Int64
    /// A `CaptureReadReport.Damage.Reason` raw value.
    package var reason: String

    init(_ damage: CaptureReadReport.Damage) {
        offset = damage.offset
        bytes = damage.byteCount
        reason = damage.reason.rawValue
    }

    /// Every entry of `report`.
    package static func all(_ report: CaptureReadReport) -> [CaptureDamageEntry] {
        report.damage.map(CaptureDamageEntry.init)
    }
}
