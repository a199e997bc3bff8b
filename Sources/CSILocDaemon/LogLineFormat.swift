/// How `csilocd` renders a log line.
enum LogLineFormat: String, Sendable, Equatable {
    /// `ts=… level=info msg="…" key=value` — readable in `journalctl`, parseable by Loki/Vector.
    case logfmt
    /// One JSON object per line.
    case json
}
