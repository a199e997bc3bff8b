import ArgumentParser
import CSIChannel
import CSIEvaluation
import CSILocDaemon
import CSIModel
import Foundation

/// `csiloc demo`: the whole system on the built-in reference scene, in one process — simulate a survey, train
/// (or reuse a cached) model (``DemoModelCache``), start the daemon on ipc endpoints (``DemoSession``), replay a
/// synthetic capture (``DemoCapture``) through it, show the fixes live, and end with a summary and an error CDF
/// (``DemoSummary``).
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End-to-end demo: simulate, train, serve with csilocd, replay, evaluate.",
        discussion: """
            Example: csiloc demo --fast
            The trained model is cached under $XDG_CACHE_HOME/csiloc (or ~/.cache/csiloc); --retrain ignores it.
            """
    )

    @Flag(name: .long, help: "First-contact preset: a smaller survey and fewer frames (about a minute on 2 cores).")
    var fast = false

    @Option(name: .long, help: "Scene YAML (the default is compiled in: it works from any directory).")
    var scene = "etc/scenes/street.yaml"

    @Option(name: .long, help: "Frames to replay through the daemon (default 300, 150 with --fast).")
    var frames: Int?

    @Option(name: .long, help: "SNR of the replayed frames, dB.")
    var snrDb: Double = 20

    @Option(name: .long, help: "Replay rate, frames per second.")
    var rate: Double = 50

    @Option(name: .long, help: "Directory for the capture, the model copy and the pictures.")
    var out = "out/demo"

    @Flag(name: .long, help: "Train even if a cached model exists.")
    var retrain = false

    @Option(name: .long, help: "Seed.")
    var seed: UInt64 = 1

    func validate() throws {
        if let frames, !(1...100_000).contains(frames) { throw ValidationError("--frames must be in 1...100000") }
        guard rate > 0 && rate <= 10_000 else { throw ValidationError("--rate must be in (0, 10000] frames/s") }
    }

    func run() throws {
        let t0 = Date()
        let (sceneValue, sceneText) = try Scene.loadFileOrBuiltin(scene)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let surveyPoints = 15000 // ≈ 1.1 per λ² on the reference scene: the density the papers use
        let frameCount = frames ?? (fast ? 150 : 300)
        printError(
            "demo: scene \(sceneValue.name) (\(sceneValue.array.count) antennas × \(sceneValue.subcarriers.count) subcarriers, λ = \(String(format: "%.2f", sceneValue.subcarriers.wavelength * 100)) cm)"
        )

        // 1. Model: cached or trained on a simulated survey.
        let progress = ProgressLine("demo: simulate survey", total: surveyPoints, unit: "channels")
        let hooks = DemoModelCache.Hooks(
            log: { printError($0) }, progress: { progress.update($0) }, willTrain: { Interrupt.install() },
            cancelled: { Interrupt.isRequested })
        let modelPath = try DemoModelCache.model(
            scene: sceneValue, sceneText: sceneText, points: surveyPoints, seed: seed,
            kind: fast ? .physics : .auto, retrain: retrain, hooks: hooks)
        let loaded = try ModelLoader.load(contentsOf: modelPath)
        printError(
            "demo: model \(loaded.header.kind) \(loaded.digest.prefix(12)) — validation NMSE \(String(format: "%.1f", loaded.header.validation.nmseDB)) dB"
        )

        // 2. A synthetic capture: test points the model never saw, with noise, ground truth attached.
        let capturePath = out + "/demo.csicap"
        let positions = try DemoCapture.write(
            scene: sceneValue, count: frameCount, seed: seed, snrDB: snrDb, rate: rate, to: capturePath)
        printError("demo: \(frameCount) frames at \(String(format: "%g", snrDb)) dB SNR in \(capturePath)")

        // 3. The daemon, in-process, on ipc endpoints.
        let session = try DemoSession(directory: out, model: ModelSettings(path: modelPath))
        defer { session.close() }
        printError(
            "demo: csilocd serving on \(session.daemon.pipeline.inputEndpoint ?? "?") → \(session.daemon.pipeline.outputEndpoint)"
        )

        // 4. Replay, with a live table of the fixes as they come back.
        print("   seq   ue        x (m)       y (m)    error (cm)   latency (ms)  status")
        let replay = try session.replay(capturePath: capturePath, expected: frameCount, truth: positions) { line in
            print(line)
        }
        let summary = DemoSummary(
            fixes: session.fixes, truth: positions, wavelength: sceneValue.subcarriers.wavelength, replay: replay,
            snapshot: session.daemon.metrics.snapshot(), elapsed: Date().timeIntervalSince(t0))
        summary.lines.forEach { print($0) }
        let picture = out + "/demo-cdf.svg"
        try ErrorPictures.write(summary.cdfSVG, to: picture)
        print("demo: error CDF in \(picture)")
    }
}
