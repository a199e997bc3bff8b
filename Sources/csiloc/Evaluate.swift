import ArgumentParser
import CSICapture
import CSIChannel
import CSINumerics
import CSISearch
import CSIWire
import Foundation

/// `csiloc evaluate`: localization errors of a capture, either localized here with a model (offline) or
/// from the position fixes a live daemon published (recorded with `csiloc record`). Prints the same
/// summary, JSON fields and CDF picture as `csiloc localize`.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Localization errors of a recorded CSI capture, offline or from a recorded position feed (docs/replay.md).",
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

    @Option(name: .long, help: "CSI capture whose frames carry truth, to localize here (needs --model or --oracle-scene).")
    var capture: String?

    @OptionGroup var modelOptions: ChannelModelOptions

    @Option(name: .long, help: "Method (repeatable; with --capture). Default: robust.")
    var method: [String] = []

    @Option(name: .long, help: ArgumentHelp("Per-frame unknowns of the frames: auto (those the model was trained with), none, phase (an alias of phase-gain), phase-gain, phase-gain-timing. A \"nuisance\" key in --config takes precedence.", valueName: "nuisance"))
    var nuisance: NuisanceOption = .auto

    @Option(name: .long, help: "JSON object overriding configuration fields of the search methods.")
    var config: String?

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

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

    @Option(name: .long, help: "With --capture --track: the tracker's settings, a YAML/JSON mapping of the daemon's tracking: keys.")
    var trackConfig: String?

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Option(name: .long, help: "Draw the error CDF (log axis) to this SVG file.")
    var picture: String?

    func validate() throws {
        switch (capture, positions) {
        case (nil, nil): throw ValidationError("give --capture FILE (offline) or --positions FILE --truth FILE")
        case (.some, .some): throw ValidationError("give either --capture or --positions, not both")
        case (nil, .some):
            if truth == nil { throw ValidationError("--positions needs --truth CSI.csicap (the capture that was replayed)") }
            if modelOptions.model != nil || modelOptions.oracleScene != nil || !method.isEmpty {
                throw ValidationError("--model, --oracle-scene and --method apply to --capture, not to --positions")
            }
        case (.some, nil):
            if truth != nil { throw ValidationError("--truth goes with --positions; a --capture carries its own truth") }
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        if trackConfig != nil && !(track && capture != nil) { throw ValidationError("--track-config goes with --capture --track") }
        if let carrier, !(carrier > 0 && carrier.isFinite) { throw ValidationError("--carrier must be a positive frequency in Hz") }
        for m in method where SearchMethod(name: m) == nil {
            throw ValidationError("unknown method '\(m)'; known: \(SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")), default")
        }
    }

    func run() throws {
        if let positions, let truth {
            try runPositions(positions: positions, truth: truth)
        } else if let capture {
            let outcome = try evaluateCapture(capture)
            try report(outcome)
        }
    }

    /// Everything the offline evaluation found, for printing (and for tests).
    struct Outcome {
        var file: String
        var label: String
        var results: [MethodResult]
        var frames: LabeledCapture
        var test: TestSet
        var wavelength: Double
        var wavelengthSource: String
        /// With `--track`: the first method's fixes through the tracker.
        var track: TrackScore?
    }

    /// Loads the model and the capture, localizes every labelled frame with each method.
    func evaluateCapture(_ path: String) throws -> Outcome {
        let loaded = try modelOptions.loadModel()
        var frames = try LabeledCapture.load(path: path)
        let model = loaded.model
        guard frames.count > 0 else {
            throw ValidationError("\(path): no CSI frame with a truth (\(frames.recordsRead) records, \(frames.withoutTruth) without truth, rejected \(frames.rejected))")
        }
        guard frames.antennaCount == model.antennaCount, frames.subcarrierCount == model.subcarrierCount else {
            throw ValidationError("\(path): \(frames.antennaCount) antennas × \(frames.subcarrierCount) subcarriers, but the model has \(model.antennaCount) × \(model.subcarrierCount)")
        }
        if let limit, limit < frames.count { frames.truncate(to: limit) }
        let test = TestSet(positions: frames.truths, csi: frames.samples, valuesPerChannel: model.valuesPerChannel,
                           los: frames.completeLoS)
        let (wavelength, source) = Self.wavelength(metadata: frames.metadata, carrier: carrier,
                                                   fallbackFrequencies: model.frequencies)
        let width = threads ?? Parallel.defaultWidth
        var results: [MethodResult] = []
        for name in method.isEmpty ? ["robust"] : method {
            let m = SearchMethod(name: name)!
            let c = try ConfigurationOverride.apply(config, method: m, nuisance: nuisance.model ?? loaded.nuisance)
            let t0 = Date()
            let localizer = try Localizer(validating: model, region: loaded.region, configuration: c, width: width)
            results.append(LocalizationRunner.run(localizer, name: m.rawValue, buildSeconds: Date().timeIntervalSince(t0),
                                                  test: test, width: width))
        }
        var trackScore: TrackScore?
        if track, let fixes = results.first?.fixes {
            trackScore = Self.trackOffline(fixes, frames: frames, region: loaded.region, configuration: try trackerConfiguration(),
                                           wavelength: wavelength)
            trackScore?.result.name = results[0].name + "+track"
        }
        return Outcome(file: path, label: loaded.label, results: results, frames: frames, test: test,
                       wavelength: wavelength, wavelengthSource: source, track: trackScore)
    }

    /// λ₀ from the capture's carrier (as `localize` takes the dataset's), else `--carrier`, else the mean
    /// subcarrier frequency.
    static func wavelength(metadata: CaptureMetadata?, carrier: Double?, fallbackFrequencies: [Double]) -> (Double, String) {
        if let carrier { return (speedOfLight / carrier, "--carrier") }
        if let c = metadata?.carrier, c > 0, c.isFinite { return (speedOfLight / c, "capture carrier") }
        let mean = fallbackFrequencies.reduce(0, +) / Double(max(fallbackFrequencies.count, 1))
        return (speedOfLight / mean, "mean subcarrier frequency")
    }

    /// Prints the text or JSON summary and draws the picture.
    func report(_ o: Outcome) throws {
        let frames = o.frames
        if json {
            let methods = o.results.map { r -> [String: Any] in
                var m = LocalizationReport.json(r, wavelength: o.wavelength, los: o.test.los)
                m["estimates_digest"] = EstimatesDigest.sha256(r.estimates)
                return m
            }
            var out: [String: Any] = [
                "capture": o.file, "model": o.label, "points": o.test.count, "condition": "as recorded", "methods": methods,
                "records": frames.recordsRead, "without_truth": frames.withoutTruth, "rejected": frames.rejected,
                "dimension_mismatch": frames.dimensionMismatch, "capture_damage": CaptureDamageText.json(frames.report),
                "wavelength_source": o.wavelengthSource,
            ]
            if let first = methods.first { for (k, v) in first where k != "method" { out[k] = v } }
            if let t = o.track { out["track"] = Self.trackJSON(t, wavelength: o.wavelength) }
            print(LocalizationReport.encode(out))
        } else {
            print(String(format: "evaluate: %@ with %@, %d frames with truth (of %d records), λ₀ = %.3f cm (%@)",
                         o.file, o.label, o.test.count, frames.recordsRead, 100 * o.wavelength, o.wavelengthSource))
            for r in o.results {
                LocalizationReport.summary(r, wavelength: o.wavelength, los: o.test.los).forEach { print($0) }
                LocalizationReport.stages(r).forEach { print($0) }
                print("  estimates digest \(EstimatesDigest.sha256(r.estimates))")
            }
            if let t = o.track {
                LocalizationReport.errorLines(t.result, wavelength: o.wavelength, los: nil).forEach { print($0) }
                Self.trackLines(t).forEach { print($0) }
            }
            if let line = Self.accountingLine(frames) { print(line) }
        }
        CaptureDamageText.lines(frames.report, file: o.file, command: "evaluate").forEach(printError)
        if let picture {
            try ErrorPictures.cdf(o.results + (o.track.map { [$0.result] } ?? []), wavelength: o.wavelength, title: "Localization error CDF — \(o.label), \(o.file)")
                .write(toFile: picture, atomically: true, encoding: .utf8)
        }
    }

    /// Records that did not contribute, or `nil` when all did.
    static func accountingLine(_ f: LabeledCapture) -> String? {
        var parts: [String] = []
        if f.withoutTruth > 0 { parts.append("\(f.withoutTruth) frames without truth") }
        for (reason, n) in f.rejected.sorted(by: { $0.key < $1.key }) { parts.append("\(n) rejected (\(reason))") }
        if f.dimensionMismatch > 0 { parts.append("\(f.dimensionMismatch) frames of other dimensions") }
        return parts.isEmpty ? nil : "  not evaluated: " + parts.joined(separator: ", ")
    }
}
