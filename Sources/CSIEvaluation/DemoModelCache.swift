public import CSIChannel
public import CSIModel
import Foundation

/// Where `csiloc demo` keeps its trained model between runs: `$XDG_CACHE_HOME/csiloc`, else `~/.cache/csiloc`.
public enum DemoModelCache {
    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/csiloc" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/csiloc"
    }

    /// Hooks for the long steps: messages, survey progress (channels simulated), the start of training (e.g. to
    /// install a Ctrl-C handler only then) and its cancellation (training keeps the best model so far).
    public struct Hooks {
        var log: (String) -> Void
        var progress: (Int) -> Void
        var willTrain: () -> Void
        var cancelled: @Sendable () -> Bool

        /// Hooks: `log` for messages, `progress` for training epochs, `willTrain` before a model is trained,
        /// `cancelled` polled.
        public init(
            log: @escaping (String) -> Void, progress: @escaping (Int) -> Void = { _ in },
            willTrain: @escaping () -> Void = {}, cancelled: @escaping @Sendable () -> Bool = { false }
        ) {
            self.log = log
            self.progress = progress
            self.willTrain = willTrain
            self.cancelled = cancelled
        }
    }

    /// The path of a model for `scene`: from the cache when one was trained for the same scene text (the file's,
    /// or the built-in copy's: the same bytes), survey size, seed, kind and tool version; otherwise a survey of
    /// `points` positions is simulated and a model trained on it now (4 minutes at most, small preset) and cached.
    public static func model(
        scene: Scene, sceneText text: String, points: Int, seed: UInt64, kind: ModelTrainer.Kind,
        retrain: Bool, hooks: Hooks
    ) throws -> String {
        let key = String(
            SHA256.hex(Array("\(text)|\(points)|\(seed)|\(kind.rawValue)|\(csilocVersion)".utf8)).prefix(16))
        let path = directory + "/demo-\(scene.name)-\(key).csimodel"
        if !retrain, FileManager.default.fileExists(atPath: path), (try? ModelLoader.load(contentsOf: path)) != nil {
            hooks.log("demo: reusing cached model \(path)")
            return path
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: points, seed: seed)
        var csi: [Float] = []
        csi.reserveCapacity(points * sim.valuesPerChannel)
        SimulationJob(simulator: sim, positions: positions, impairments: .none, seed: seed)
            .run(progress: hooks.progress) { block in csi.append(contentsOf: block) }
        let dataset = CSIDataset(positions: positions, csi: csi, scene: scene)
        var options = ModelTrainer.Options()
        options.kind = kind
        options.seed = seed
        options.localizeValidation = QualityCalibration.hook(width: options.width)
        options.frame = scene.frame
        options.minutes = 4
        options.preset = .small
        hooks.log(
            "demo: training the model (\(kind.rawValue)) on \(points) simulated survey points (cached for next time)")
        hooks.willTrain()
        let file = try ModelTrainer(options: options).train(
            dataset: dataset, log: hooks.log, cancelled: hooks.cancelled)
        try file.write(to: path)
        return path
    }
}
