import ArgumentParser
import CSIEvaluation
import CSISearch
import Foundation

/// `csiloc bench daemon`: frames/s and latency through an in-process `csilocd` against the bare localizer, and
/// RSS against the frame count (``DaemonBenchmark``).
struct BenchDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Frames/s and latency through the daemon vs the in-process localizer; RSS vs frame count.",
        discussion: """
            Examples:
              csiloc bench daemon --oracle-scene etc/scenes/tiny-los.yaml --frames 100000
              csiloc bench daemon --frames 20000 --curve      # CurveZMQ on the feed and the fix socket (fresh keys)
              csiloc bench daemon --oracle-scene etc/scenes/street.yaml --model street.csimodel   # a trained model
            """
    )

    @OptionGroup var daemon: InProcessDaemonOptions

    @Option(name: .long, help: "Frames sent through the daemon (and localized in-process, capped at 20000).")
    var frames: Int = 20_000

    @Option(
        name: .long,
        help:
            "Serve this model file (csiloc train) instead of the scene's simulator, in the daemon and in-process; the frames are still the scene's exact channels."
    )
    var model: String?

    @Option(name: .long, help: "Frames outstanding at once (default 4 × workers).")
    var window: Int?

    @OptionGroup var sent: BenchFrameOptions

    @Flag(
        name: .long,
        help: "CurveZMQ on both daemon sockets: fresh server and client key pairs in a temporary directory.")
    var curve = false

    func validate() throws {
        guard frames >= 1, sent.distinct >= 1, daemon.workers >= 1 else {
            throw ValidationError("--frames, --distinct and --workers must be ≥ 1")
        }
        if let window, window < 1 { throw ValidationError("--window must be ≥ 1") }
    }

    func run() throws {
        var request = DaemonBenchmark.Request(scenePath: daemon.oracleScene, workers: daemon.workers)
        request.frames = frames
        request.distinct = sent.distinct
        request.window = window
        request.modelPath = model
        request.method = sent.method
        request.curve = curve
        let bench = try DaemonBenchmark.run(request) { print($0) }
        bench.lines.forEach { print($0) }
    }
}
