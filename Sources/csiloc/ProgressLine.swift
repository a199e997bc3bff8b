import Foundation

/// A one-line progress report on standard error for long jobs: done/total, rate, ETA. Rewrites itself in
/// place on a terminal and prints at most every few seconds otherwise (logs and CI stay readable).
final class ProgressLine {
    let label: String
    let total: Int
    let unit: String
    let start = Date()
    var lastPrint = Date.distantPast
    let isTerminal = isatty(STDERR_FILENO) != 0
    let quiet: Bool

    init(_ label: String, total: Int, unit: String, quiet: Bool = false) {
        self.label = label; self.total = total; self.unit = unit; self.quiet = quiet
    }

    func update(_ done: Int) {
        guard !quiet else { return }
        let now = Date()
        let interval = isTerminal ? 0.2 : 5.0
        guard done >= total || now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let pct = total > 0 ? 100 * Double(done) / Double(total) : 100
        let line = String(
            format: "%@: %d/%d %@ (%.0f%%), %.3g %@/s, elapsed %@, ETA %@",
            label, done, total, unit, pct, rate, unit, Self.clock(elapsed), Self.clock(eta))
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (done >= total ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600
            ? String(format: "%dh%02dm", t / 3600, (t % 3600) / 60)
            : t >= 60 ? String(format: "%dm%02ds", t / 60, t % 60) : String(format: "%.1fs", s)
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
