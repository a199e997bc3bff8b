import ArgumentParser
import CSIEvaluation
import CSISearch
import Foundation

/// `csiloc bench proxy`: N in-process daemons sharded by receiver, a `csiloc proxy` over their fix feeds and one
/// consumer, offered a multiple of one daemon's capacity; every published fix must arrive once (``ProxyBenchmark``).
struct BenchProxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract:
            "Scale-out: N daemons + proxy at a multiple of one daemon's capacity; every published fix arrives once.",
        discussion: """
            Measures one daemon's capacity (closed loop, as bench daemon; skip with --capacity), starts --daemons \
            in-process daemons (input.topics: one receiver each), a proxy (XSUB connected to every daemon's fix \
            feed → XPUB) and one consumer on it, and offers --load × that capacity to the whole site, spread over \
            every daemon's UEs. Reports per daemon: frames sent, received, processed, superseded (latest wins per \
            UE), dropped, rejected, fixes published, fixes through the proxy, duplicates; the site's fix rate and \
            latencies. The daemons share this machine's cores (docs/daemon.md, "Several receivers").

            Exits 1 when a fix arrived twice, a published fix did not arrive through the proxy, a frame is not \
            accounted for, or the consumer got a fix no frame was sent for.

            Examples:
              csiloc bench proxy --frames 20000
              csiloc bench proxy --daemons 2 --load 1 --capacity 2000 --json
            """
    )

    @Option(name: .long, help: "Scene whose exact simulator every daemon serves (model.oracle_scene).")
    var oracleScene: String = "etc/scenes/tiny-los.yaml"

    @Option(name: .long, help: "Daemons of the site, one receiver each (1…16).")
    var daemons: Int = 3

    @Option(name: .long, help: "Frames offered to the whole site.")
    var frames: Int = 20_000

    @Option(name: .long, help: "Offered rate of the whole site as a multiple of one daemon's capacity (0, 100].")
    var load: Double = 2

    @Option(name: .long, help: "One daemon's capacity, frames/s: skips the measurement.")
    var capacity: Double?

    @Option(name: .long, help: "Frames of the closed-loop capacity measurement.")
    var capacityFrames: Int = 5_000

    @Option(name: .long, help: "UEs per daemon the frames rotate over (1…1023).")
    var ues: Int = 64

    @Option(name: .long, help: "Workers per daemon (default: cores ÷ daemons, at least 1).")
    var workers: Int?

    @OptionGroup var sent: BenchFrameOptions

    @OptionGroup var output: ReportOutputOptions

    func request() -> ProxyBenchmark.Request {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var request = ProxyBenchmark.Request(
            scenePath: oracleScene, workersPerDaemon: workers ?? max(1, cores / max(1, daemons)))
        request.daemons = daemons
        request.frames = frames
        request.load = load
        request.capacity = capacity
        request.capacityFrames = capacityFrames
        request.uesPerDaemon = ues
        request.distinct = sent.distinct
        request.method = sent.method
        return request
    }

    func validate() throws {
        do { try request().validate() } catch let error as ProxyBenchmark.RequestError {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        let report = try ProxyBenchmark.run(request()) { line in if !output.json { print(line) } }.report
        try output.print(report, lines: report.lines)
        if !report.passed { throw ExitCode.failure }
    }
}
