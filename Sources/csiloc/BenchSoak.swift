import ArgumentParser
import CSIEvaluation
import Foundation

/// `csiloc bench soak`: an in-process daemon at a multiple of its capacity with malformed messages mixed in, a
/// publisher restart and a stalled subscriber; RSS flat, counters add up, daemon alive (``SoakBenchmark``).
struct BenchSoak: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract:
            "Overload soak of the daemon: RSS flat, counters add up, survives a publisher restart and a stalled subscriber.",
        discussion: "Example: csiloc bench soak --frames 1000000 (exit 1 when a check fails)"
    )

    @OptionGroup var daemon: InProcessDaemonOptions

    @Option(name: .long, help: "Messages offered in the soak, valid and malformed.")
    var frames: Int = 1_000_000

    @Option(name: .long, help: "Offered rate as a multiple of the measured capacity.")
    var overload: Double = 3

    @Option(name: .long, help: "One message in N is malformed.")
    var malformedEvery: Int = 10

    @OptionGroup var output: ReportOutputOptions

    func validate() throws {
        guard frames >= 100, frames <= 1_000_000_000 else { throw ValidationError("--frames must be in 100…10^9") }
        guard overload.isFinite, overload > 0, overload <= 100 else {
            throw ValidationError("--overload must be in (0, 100]")
        }
        guard malformedEvery >= 2, malformedEvery <= 1_000_000 else {
            throw ValidationError("--malformed-every must be in 2…10^6")
        }
        guard daemon.workers >= 1, daemon.workers <= 256 else { throw ValidationError("--workers must be in 1…256") }
    }

    func run() throws {
        var request = SoakBenchmark.Request(scenePath: daemon.oracleScene, workers: daemon.workers)
        request.frames = frames
        request.overload = overload
        request.malformedEvery = malformedEvery
        request.capacityFrames = min(5_000, max(500, frames / 20))
        let report = try SoakBenchmark.run(request) { line in if !output.json { print(line) } }.report
        try output.print(report, lines: report.lines)
        if !report.passed { throw ExitCode.failure }
    }
}
