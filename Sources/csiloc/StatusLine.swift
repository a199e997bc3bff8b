import Foundation

/// A status line on standard error for open-ended jobs (recording, replaying): rewritten in place on a
/// terminal, one line per update otherwise (the callers update about once a second).
struct StatusLine {
    let isTerminal = isatty(STDERR_FILENO) != 0
    let quiet: Bool

    /// Shows `text` (replacing the previous line on a terminal).
    func show(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[2K" : "") + text + (isTerminal ? "" : "\n")).utf8))
    }

    /// Ends an in-place line so that what follows starts on a fresh line.
    func finish() {
        guard !quiet, isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// `1.5 s`, `2m05s`.
    static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        return s < 60 ? String(format: "%.2fs", s) : ProgressLine.clock(s)
    }

    /// `12.3 MB`.
    static func bytes(_ n: Int64) -> String {
        n >= 1_000_000 ? String(format: "%.1f MB", Double(n) / 1e6) : String(format: "%.1f kB", Double(n) / 1e3)
    }
}
