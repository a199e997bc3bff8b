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

    @Option(name: .long, help: "Scene whose exact simulator is served (the daemon's model.oracle_scene).")
    var oracleScene: String = "etc/scenes/tiny-los.yaml"

    @Option(name: .long, help: "Messages offered in the soak, valid and malformed.")
    var frames: Int = 1_000_000

    @Option(name: .long, help: "Offered rate as a multiple of the measured capacity.")
    var overload: Double = 3

    @Option(name: .long, help: "One message in N is malformed.")
    var malformedEvery: Int = 10

    @Option(name: .long, help: "Daemon workers; default: all cores.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard frames >= 100, frames <= 1_000_000_000 else { throw ValidationError("--frames must be in 100…10^9") }
        guard overload.isFinite, overload > 0, overload <= 100 else {
            throw ValidationError("--overload must be in (0, 100]")
        }
        guard malformedEvery >= 2, malformedEvery <= 1_000_000 else {
            throw ValidationError("--malformed-every must be in 2…10^6")
        }
        guard workers >= 1, workers <= 256 else { throw ValidationError("--workers must be in 1…256") }
    }

    func run() throws {
        var request = SoakBenchmark.Request(scenePath: oracleScene, workers: workers)
        request.frames = frames
        request.overload = overload
        request.malformedEvery = malformedEvery
        request.capacityFrames = min(5_000, max(500, frames / 20))
        let report = try SoakBenchmark.run(request) { line in if !json { print(line) } }.report
        if json {
            print(try ReportJSON.encode(report))
        } else {
            report.lines.forEach { print($0) }
        }
        if !report.passed { throw ExitCode.failure }
    }
}
