import ArgumentParser
import CSICapture
import CSIEvaluation
import CSINumerics
import CSISearch

/// `csiloc evaluate`: localization errors of a capture, either localized here with a model (offline) or
/// from the position fixes a live daemon published (recorded with `csiloc record`). Prints the same
/// summary, JSON fields and CDF picture as `csiloc localize`.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Localization errors of a recorded CSI capture, offline or from a recorded position feed (docs/replay.md).",
        discussion: """
            Offline: decode every CSI record, localize it in-process, compare with the frame's truth:
              csiloc evaluate --capture test.csicap --model scene.csimodel [--method robust] [--json] [--picture cdf.svg]
              csiloc evaluate --capture test.csicap --oracle-scene etc/scenes/tiny-los.yaml
            From what a daemon published, matched to the truth by (receiver, ue, seq):
              csiloc evaluate --positions fixes.csicap --truth test.csicap [--json] [--picture cdf.svg]
            --track also scores the track: offline, the fixes run through csilocd's tracker in capture order (timed by
            t_capture_ns; --track-config '{acceleration_psd: 1, gate_probability: 0.9999}' sets the keys of the daemon's
            tracking: section); from a position feed, the 'track' member the daemon published.
            """
    )

    @Option(
        name: .long, help: "CSI capture whose frames carry truth, to localize here (needs --model or --oracle-scene).")
    var capture: String?

    @OptionGroup var modelOptions: ChannelModelOptions

    @Option(name: .long, help: "Method (repeatable; with --capture). Default: robust.")
    var method: [SearchMethod] = []

    @OptionGroup var search: SearchSetupOptions

    @OptionGroup var parallel: ThreadOptions

    @Option(name: .long, help: "Use only the first N frames with truth.")
    var limit: Int?

    @Option(name: .long, help: "Position capture (csiloc record of a daemon's pos/v1/ feed).")
    var positions: String?

    @Option(name: .long, help: "CSI capture with the truth of the frames the daemon localized (with --positions).")
    var truth: String?

    @Flag(name: .long, help: "With --positions: horizontal errors (ignore z), as a 2-D search reports.")
    var horizontal = false

    @Option(name: .long, help: "Carrier frequency in Hz for λ₀ when the truth capture's metadata has none.")
    var carrier: Double?

    @Flag(name: .long, help: "Also score the track output (csilocd's tracker; docs/daemon.md, \"Tracking\").")
    var track = false

    @Option(
        name: .long,
        help: "With --capture --track: the tracker's settings, a YAML/JSON mapping of the daemon's tracking: keys.")
    var trackConfig: String?

    @OptionGroup var output: ReportOutputOptions

    @Option(name: .long, help: "Draw the error CDF (log axis) to this SVG file.")
    var picture: String?

    func validate() throws {
        switch (capture, positions) {
        case (nil, nil): throw ValidationError("give --capture FILE (offline) or --positions FILE --truth FILE")
        case (.some, .some): throw ValidationError("give either --capture or --positions, not both")
        case (nil, .some):
            if truth == nil {
                throw ValidationError("--positions needs --truth CSI.csicap (the capture that was replayed)")
            }
            if modelOptions.model != nil || modelOptions.oracleScene != nil || !method.isEmpty {
                throw ValidationError("--model, --oracle-scene and --method apply to --capture, not to --positions")
            }
        case (.some, nil):
            if truth != nil {
                throw ValidationError("--truth goes with --positions; a --capture carries its own truth")
            }
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        if trackConfig != nil && !(track && capture != nil) {
            throw ValidationError("--track-config goes with --capture --track")
        }
        if let carrier, !(carrier > 0 && carrier.isFinite) {
            throw ValidationError("--carrier must be a positive frequency in Hz")
        }
    }

    func run() throws {
        if let positions, let truth {
            let run = try PositionsEvaluation.run(
                positions: positions, truth: truth, horizontal: horizontal, carrier: carrier, track: track)
            try output.print(run.report, lines: run.lines)
            run.damageLines.forEach(printError)
            if let picture {
                try ErrorPictures.write(
                    ErrorPictures.cdf(
                        run.pictureResults, wavelength: run.wavelength,
                        title: "Localization error CDF — live fixes, \(positions)"), to: picture)
            }
        } else if let capture {
            try report(try evaluateCapture(capture))
        }
    }

    /// Loads the model and the capture, localizes every labelled frame with each method.
    func evaluateCapture(_ path: String) throws -> CaptureEvaluation {
        var request = CaptureEvaluation.Request(threads: parallel.width)
        request.methods = method.isEmpty ? [.robust] : method
        request.configPatch = search.config
        request.nuisance = search.nuisance.model
        request.limit = limit
        request.carrier = carrier
        request.tracker = track ? try TrackScoring.trackerConfiguration(trackConfig) : nil
        return try CaptureEvaluation.run(capture: path, model: try modelOptions.loadModel(), request: request)
    }

    /// Prints the text or JSON summary and the damage warnings, and draws the picture.
    func report(_ o: CaptureEvaluation) throws {
        try output.print(o.report, lines: o.lines)
        CaptureDamageText.lines(o.frames.report, file: o.file, command: "evaluate").forEach(printError)
        if let picture {
            try ErrorPictures.write(
                ErrorPictures.cdf(
                    o.pictureResults, wavelength: o.wavelength,
                    title: "Localization error CDF — \(o.label), \(o.file)"), to: picture)
        }
    }
}
