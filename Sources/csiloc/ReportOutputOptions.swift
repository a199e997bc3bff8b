import ArgumentParser
import CSIEvaluation

/// `--json`: how a command prints its report — the text lines, or the typed report as one JSON object
/// (``ReportJSON``).
struct ReportOutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    /// Prints `report` as one JSON object with `--json`, else `lines`.
    func print<Report: Encodable>(_ report: Report, lines: @autoclosure () -> [String]) throws {
        if json {
            Swift.print(try ReportJSON.encode(report))
        } else {
            lines().forEach { Swift.print($0) }
        }
    }
}
