public import CSIWire

/// How the capture commands report damage that `CaptureReader` skipped: a count, then one line per damaged
/// stretch (at most ``maxEntries``), as warnings; in JSON, one ``CaptureDamageEntry`` per stretch. Damage never
/// fails a command.
public enum CaptureDamageText {
    static let maxEntries = 20

    /// The warning lines for `report` (none for a clean file).
    public static func lines(_ report: CaptureReadReport, file: String, command: String) -> [String] {
        guard !report.isClean else { return [] }
        var lines = [
            "\(command): warning: \(file) is damaged: \(report.damage.count) stretch(es), \(report.bytesSkipped) bytes skipped, \(report.recordsRead) intact records read"
        ]
        for entry in report.damage.prefix(maxEntries) { lines.append("  \(entry)") }
        if report.damage.count > maxEntries { lines.append("  … \(report.damage.count - maxEntries) more") }
        return lines
    }
}
