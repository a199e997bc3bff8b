import CSICapture
import CSIChannel
import CSILocDaemon
import CSIModel
import CSISearch
import CSIWire
import Foundation

/// Where `csiloc demo` keeps its trained model between runs.
enum DemoModelCache {
    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/csiloc" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/csiloc"
    }

    /// A model for `scene`: from the cache when one was trained for the same scene text (the file's, or the
    /// built-in copy's: the same bytes), survey size, seed and kind; otherwise simulated and trained now (and cached).
    static func model(scene: Scene, sceneText text: String, points: Int, seed: UInt64, kind: ModelTrainer.Kind, retrain: Bool) throws -> String {
        let key = String(SHA256.hex(Array("\(text)|\(points)|\(seed)|\(kind.rawValue)|\(csilocVersion)".utf8)).prefix(16))
        let path = directory + "/demo-\(scene.name)-\(key).csimodel"
        if !retrain, FileManager.default.fileExists(atPath: path), (try? ModelLoader.load(contentsOf: path)) != nil {
            printError("demo: reusing cached model \(path)")
            return path
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: points, seed: seed)
        var csi: [Float] = []
        csi.reserveCapacity(points * sim.valuesPerChannel)
        let progress = ProgressLine("demo: simulate survey", total: points, unit: "channels")
        SimulationJob(simulator: sim, positions: positions, impairments: .none, seed: seed)
            .run(progress: progress.update) { block in csi.append(contentsOf: block) }
        let dataset = CSIDataset(positions: positions, csi: csi, frequencies: scene.subcarriers.frequencies,
                                 antennas: scene.array.positions, carrier: scene.subcarriers.carrier)
        var options = ModelTrainer.Options()
        options.kind = kind
        options.seed = seed
        options.frame = scene.frame
        options.minutes = 4
        options.preset = .small
        printError("demo: training the model (\(kind.rawValue)) on \(points) simulated survey points (cached for next time)")
        Interrupt.install()
        let file = try ModelTrainer(options: options).train(dataset: dataset, log: printError, cancelled: { Interrupt.isRequested })
        try file.write(to: path)
        return path
    }
}

/// The closing summary of `csiloc demo`.
enum DemoSummary {
    static func report(fixes: [PositionFix], truth: [Point3], wavelength: Double, replay: CaptureReplayer.Progress,
                       snapshot: DaemonMetrics.Snapshot, picture: String, elapsed: Double) throws {
        var errors: [Double] = [], estimates: [Point3] = [], latencies: [Double] = []
        var seen = Set<UInt64>()
        for f in fixes where f.seq < UInt64(truth.count) && seen.insert(f.seq).inserted {
            let p = f.position
            estimates.append(p)
            errors.append((p - truth[Int(f.seq)]).length)
            if f.latencyMs.isFinite { latencies.append(f.latencyMs) }
        }
        latencies.sort()
        func pct(_ q: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))] }
        let stats = ErrorStatistics(errors: errors, grossThreshold: wavelength / 2)
        print("")
        print(String(format: "demo: %d frames replayed, %d fixes published (%d superseded, %d rejected), in %.1f s",
                     replay.sent, snapshot.published, snapshot.superseded, snapshot.rejected, elapsed))
        print(String(format: "demo: error median %.4f cm (%.2e λ), p90 %.4f cm, p95 %.4f cm, gross (> λ/2) %.1f %% of %d",
                     stats.median * 100, stats.median / wavelength, stats.p90 * 100, stats.p95 * 100, 100 * stats.grossErrorRate, stats.count))
        print(String(format: "demo: daemon latency (capture → publish) p50 %.2f ms, p99 %.2f ms", pct(0.5), pct(0.99)))
        let result = MethodResult(name: "csilocd (live)", estimates: estimates, errors: errors, fixes: nil,
                                  seconds: max(elapsed, 1e-9), buildSeconds: 0, threads: 0)
        try ErrorPictures.cdf([result], wavelength: wavelength, title: "csiloc demo: localization error CDF")
            .write(toFile: picture, atomically: true, encoding: .utf8)
        print("demo: error CDF in \(picture)")
    }
}
