import ArgumentParser
import CSICapture
import CSIWire
import Foundation
import ZMQ

/// `csiloc record`: subscribe to a live feed (CSI frames or position fixes) and write it to a capture file.
struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a live CSI or position feed into a capture file (docs/replay.md).",
        discussion: """
            Every message is written with its receive time, one write(2) per record, so a crash loses at most the
            last record. Ctrl-C or SIGTERM stops cleanly (close + fsync) and prints the count.
            Examples:
              csiloc record --from tcp://gnb1:5556 --out run1.csicap --duration 60
              csiloc record --from tcp://localhost:5557 --topic pos/v1/ --out fixes.csicap
              csiloc record --from tcp://gnb1:5556 --out fixes.csicap --topic pos/v1/ \\
                  --curve-secret-key me.key_secret --curve-server-key csilocd.key      # CURVE client
            """
    )

    @Option(name: .long, help: "ZeroMQ endpoint of the feed (connected to unless --bind).")
    var from: String

    @OptionGroup var capture: CaptureOutputOptions

    @Option(name: .long, help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: .long, help: "Stop after this many messages.")
    var count: Int?

    @Option(
        name: .long,
        help: "Subscription prefix (default: everything; csi/v1/ or pos/v1/ also fixes the capture's kind).")
    var topic: String = ""

    @Flag(name: .long, help: "Bind the endpoint instead of connecting (for publishers that connect).")
    var bind = false

    @Flag(name: .long, help: "No progress line.")
    var quiet = false

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        try curve.validate(binding: bind)
        if duration != nil && count != nil { throw ValidationError("give either --duration or --count, not both") }
        if let duration, !(duration > 0 && duration <= 1e9) {
            throw ValidationError("--duration must be in (0, 1e9] s")
        }
        if let count, count < 1 { throw ValidationError("--count must be positive") }
    }

    func run() async throws {
        var config = CaptureRecorder.Configuration(endpoint: from, path: capture.out)
        config.bind = bind
        config.topicPrefix = topic
        config.duration = duration.map { .nanoseconds(Int64($0 * 1e9)) }
        config.count = count
        config.overwrite = capture.force
        config.toolVersion = CSILocVersion.string
        (config.security, config.allowedClients) = try curve.security(binding: bind, zapDomain: "csiloc-record")
        TerminationSignals.install()
        let context = try Context()
        defer { context.terminate() }
        let status = StatusLine(quiet: quiet)
        let limit = count.map { " of \($0)" } ?? duration.map { String(format: " in %g s", $0) } ?? ""
        let recorderConfiguration = config
        status.show("record: waiting for messages from \(from)…")
        let result = try await DedicatedThread.run(name: "csiloc-record") {
            try CaptureRecorder(configuration: recorderConfiguration, context: context).run(
                stop: TerminationSignals.stop
            ) { p in
                status.show(
                    "record: \(p.records)\(limit) \(p.kind?.rawValue ?? "") messages, \(StatusLine.bytes(p.bytes)), \(StatusLine.seconds(p.elapsed))"
                )
            }
        }
        status.finish()
        var line =
            "record: \(result.records) \(result.kind?.rawValue ?? "csi") messages → \(capture.out) (\(StatusLine.bytes(result.bytes)), \(StatusLine.seconds(result.elapsed)))"
        if result.skipped > 0 { line += "; skipped \(result.skipped) of another kind or not protocol v1" }
        if result.oversized > 0 { line += "; dropped \(result.oversized) oversized" }
        print(line)
    }
}
