import ArgumentParser
import CSICapture
import CSIEvaluation
import CSIWire
import Foundation
import ZMQ

/// `csiloc replay`: re-publish a capture file, paced by its recorded receive times.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-publish a capture file on a ZeroMQ PUB socket at recorded pace (docs/replay.md).",
        discussion: """
            Messages are sent byte for byte as recorded. Before the first one, replay waits up to
            --wait-subscribers seconds for a subscription (PUB drops messages for subscribers that have not
            finished joining). Damaged stretches of the file are skipped and reported; they never stop a replay.
            Examples:
              csiloc replay run1.csicap --to tcp://*:5556                  # real time, once
              csiloc replay run1.csicap --to tcp://*:5556 --speed max --loop
              csiloc replay run1.csicap --to tcp://daemon:5556 --connect --speed 10
              csiloc replay run1.csicap --to tcp://*:5556 --curve-secret-key gnb.key_secret \\
                  --curve-allow csilocd.key                                # CURVE server for csilocd's input
            """
    )

    @Argument(help: "Capture file (*.csicap).")
    var file: String

    @Option(name: .long, help: "Endpoint to bind (or to connect to with --connect), e.g. tcp://*:5556.")
    var to: String

    @Option(name: .long, help: "Pace: 1 = recorded pace, N = N times faster, max = as fast as possible.")
    var speed: ReplaySpeed = .realTime

    @Flag(name: .long, help: "Start over at the end of the file, until interrupted.")
    var loop = false

    @Option(name: .long, help: "Only send messages whose topic starts with this prefix.")
    var topic: String = ""

    @Flag(name: .long, help: "Connect to the endpoint instead of binding it.")
    var connect = false

    @Option(name: .long, help: "Longest wait for a first subscriber before sending anyway, seconds (0: don't wait).")
    var waitSubscribers: Double = 1

    @Flag(name: .long, help: "No progress line.")
    var quiet = false

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        try curve.validate(binding: !connect)
        // ≤ 10⁹ s keeps the nanosecond count an Int64.
        if !(waitSubscribers >= 0 && waitSubscribers <= 1e9) {
            throw ValidationError("--wait-subscribers must be in 0...1e9 s")
        }
    }

    func run() async throws {
        var config = CaptureReplayer.Configuration(path: file, endpoint: to)
        config.speed = speed
        config.loop = loop
        config.topicPrefix = topic
        config.connect = connect
        config.waitForSubscribers = .nanoseconds(Int64(waitSubscribers * 1e9))
        (config.security, config.allowedClients) = try curve.security(binding: !connect, zapDomain: "csiloc-replay")
        TerminationSignals.install()
        let context = try Context()
        defer { context.terminate() }
        let status = StatusLine(quiet: quiet)
        let replayConfiguration = config
        let result = try await DedicatedThread.run(name: "csiloc-replay") {
            try CaptureReplayer(configuration: replayConfiguration, context: context).run(stop: TerminationSignals.stop)
            { p in
                status.show("replay: \(p.sent) messages sent, pass \(p.passes), \(StatusLine.seconds(p.elapsed))")
            }
        }
        status.finish()
        let lines = Self.summary(result, file: file, endpoint: to, speed: config.speed)
        print(lines[0])
        lines.dropFirst().forEach(printError) // warnings go to standard error
    }

    /// The final report: counts, then one line per damaged stretch of the capture.
    static func summary(_ p: CaptureReplayer.Progress, file: String, endpoint: String, speed: ReplaySpeed) -> [String] {
        var first =
            "replay: \(p.sent) messages from \(file) → \(endpoint) in \(StatusLine.seconds(p.elapsed)) at \(speed)"
        if p.passes > 1 { first += ", \(p.passes) passes" }
        if p.filtered > 0 { first += ", \(p.filtered) skipped by the topic filter" }
        if !p.subscriberSeen { first += " (no subscriber seen before the first message)" }
        var lines = [first]
        if p.metadata == nil { lines.append("replay: warning: the capture's file header is damaged (metadata lost)") }
        lines += CaptureDamageText.lines(p.report, file: file, command: "replay")
        return lines
    }
}
