import Foundation
public import Logging
import Synchronization

/// A swift-log handler writing one logfmt or JSON line per record to standard error (journald adds the
/// timestamp and unit, but the line carries its own RFC 3339 time for files and containers).
///
/// The level lives in a shared ``LevelControl`` rather than in each handler copy, so a reload (SIGHUP) can
/// change it for every logger at once. Each line goes out in one `write(2)`, so lines from different
/// threads never interleave.
public struct LineLogHandler: LogHandler {
    /// The process-wide level, changeable at run time.
    public final class LevelControl: Sendable {
        private let raw: Atomic<Int>
        init(_ level: Logger.Level) { raw = Atomic(Self.index(level)) }
        /// The current level; setting it changes every logger that shares this control.
        public var level: Logger.Level {
            get { Logger.Level.allCases[raw.load(ordering: .relaxed)] }
            set { raw.store(Self.index(newValue), ordering: .relaxed) }
        }
        private static func index(_ l: Logger.Level) -> Int { Logger.Level.allCases.firstIndex(of: l)! }
    }

    private let label: String
    private let format: LogLineFormat
    private let control: LevelControl
    private let fd: Int32
    /// Metadata attached to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Provider of task-local metadata, merged into every line.
    public var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LogLineFormat, control: LevelControl, fileDescriptor: Int32 = 2) {
        self.label = label
        self.format = format
        self.control = control
        fd = fileDescriptor
    }

    /// The shared level (setting it changes every copy).
    public var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }

    /// One metadata value of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event as one line to the file descriptor.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = Self.render(
            format: format, time: Date(), level: event.level, label: label,
            message: "\(event.message)", metadata: merged)
        var bytes = Array(line.utf8)
        bytes.append(10)
        bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
    }

    /// Renders one line (no newline). Keys are sorted so lines diff and grep predictably.
    static func render(
        format: LogLineFormat, time: Date, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata
    ) -> String {
        let ts = time.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        let fields = metadata.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        switch format {
        case .logfmt:
            var s = "ts=\(ts) level=\(level.rawValue) logger=\(logfmtValue(label)) msg=\(logfmtValue(message))"
            for (k, v) in fields { s += " \(k)=\(logfmtValue(v))" }
            return s
        case .json:
            var s =
                "{\"ts\":\(jsonString(ts)),\"level\":\(jsonString(level.rawValue)),\"logger\":\(jsonString(label)),\"msg\":\(jsonString(message))"
            for (k, v) in fields { s += ",\(jsonString(k)):\(jsonString(v))" }
            return s + "}"
        }
    }

    static func logfmtValue(_ v: String) -> String {
        let needsQuotes =
            v.isEmpty || v.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.asciiValue.map { $0 < 0x20 } ?? false }
        guard needsQuotes else { return v }
        return jsonString(v)
    }

    static func jsonString(_ v: String) -> String {
        var s = "\""
        for scalar in v.unicodeScalars {
            switch scalar {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if scalar.value < 0x20 {
                    s += String(format: "\\u%04x", scalar.value)
                } else {
                    s.unicodeScalars.append(scalar)
                }
            }
        }
        return s + "\""
    }
}
