import ArgumentParser
import CSIChannel
import CSINumerics
import Foundation

/// `csiloc simulate`: exact image-source channels of a scene at random or grid positions → NPZ dataset.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate the exact multipath channel of a scene and write an NPZ dataset.",
        discussion: """
            Examples:
              csiloc simulate --scene etc/scenes/street.yaml --points 15000 --seed 1 --out train.npz
              csiloc simulate --scene etc/scenes/street.yaml --grid 0.0214 --out grid.npz
              csiloc simulate --scene etc/scenes/street.yaml --points 6000 --trajectory walk --rate 100 --out walk.npz
            --trajectory writes --points positions in path order, one every 1/--rate s (import the file with the same
            --rate so the capture's timestamps match the motion; docs/replay.md).
            The dataset format is described in docs/datasets.md. Impairments that leave per-frame unknowns (random
            phase, gain spread, phase drift: phase-gain; timing offset or drift: phase-gain-timing) are declared in the
            file's 'nuisance' key, which csiloc train follows.
            """
    )

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(name: .long, help: "Output NPZ file.")
    var out: String

    @Option(name: .long, help: "Add white Gaussian noise at this per-location SNR in dB (overrides the scene).")
    var snrDb: Double?

    @Flag(name: .long, help: "Apply a random common phase per sample (overrides the scene).")
    var randomPhase = false

    @Option(
        name: .long,
        help:
            "Move the UE along a smooth random path (walk | vehicle) that reflects at the region's borders: --points positions in order, one every 1/--rate s."
    )
    var trajectory: Trajectory.Kind?

    @Option(name: .long, help: "Samples per second along --trajectory (default 100).")
    var rate: Double?

    @Option(name: .long, help: "Speed along --trajectory, m/s (default: walk 1.4, vehicle 8).")
    var speed: Double?

    @OptionGroup var parallel: ThreadOptions

    @Flag(name: .long, help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard trajectory != nil else {
            if rate != nil || speed != nil {
                throw ValidationError("--rate and --speed need --trajectory walk|vehicle")
            }
            return
        }
        guard sampling.points != nil else {
            throw ValidationError("--trajectory needs --points N (the number of samples)")
        }
        if let snrDb, !(snrDb.isFinite && snrDb > -50 && snrDb < 200) {
            throw ValidationError("--snr-db must be a finite SNR in dB in (-50, 200), got \(snrDb)")
        }
        if let rate, !(rate > 0 && rate <= 1_000_000) {
            throw ValidationError("--rate must be in (0, 1000000] samples/s, got \(rate)")
        }
        if let speed, !(speed >= 0 && speed <= 1000) {
            throw ValidationError("--speed must be in [0, 1000] m/s, got \(speed)")
        }
    }

    func run() throws {
        let scene = try sceneOptions.load()
        let positions: [Point3]
        if let trajectory, let count = sampling.points {
            positions = Trajectory(kind: trajectory, speed: speed, rate: rate ?? 100)
                .positions(in: scene.ueRegion, count: count, seed: sampling.seed)
        } else {
            positions = try sampling.positions(in: scene)
        }
        var impairments = scene.impairments
        if let snrDb { impairments.snrDB = snrDb }
        if randomPhase { impairments.randomCommonPhase = true }
        let simulator = ChannelSimulator(scene: scene)
        let los = positions.map(simulator.hasLineOfSight(at:))
        let job = SimulationJob(
            simulator: simulator, positions: positions, impairments: impairments, seed: sampling.seed)
        // The frames' nuisance is declared (random phase, gain, timing); a clean or noise-only survey says nothing.
        // With noise, each frame reports its SNR as a receiver would (key `snr_db`).
        let writer = try DatasetWriter(
            path: out, positions: positions, antennas: scene.array.positions,
            frequencies: scene.subcarriers.frequencies, carrier: scene.subcarriers.carrier,
            los: simulator.labelsLineOfSight ? los : nil, nuisance: job.declaredNuisance,
            reportedSNRdB: impairments.snrDB.map { [Double](repeating: $0, count: positions.count) }
        )
        let progress = ProgressLine("simulate", total: positions.count, unit: "channels", quiet: quiet)
        let start = Date()
        try job.run(width: parallel.width, progress: progress.update) { block in
            try writer.appendChannels(block)
        }
        try writer.finish()
        let elapsed = Date().timeIntervalSince(start)
        if !quiet {
            let lambda = scene.subcarriers.wavelength
            let density = Double(positions.count) / (scene.ueRegion.footprintArea / (lambda * lambda))
            let diffracted = simulator.diffractedPaths.isEmpty ? "" : " + \(simulator.diffractedPaths.count) diffracted"
            printError(
                String(
                    format:
                        "simulate: wrote %@: %d positions × %d antennas × %d subcarriers, %d paths%@, %.2f samples/λ², %.1f s",
                    out, positions.count, scene.array.count, scene.subcarriers.count,
                    simulator.paths.count, diffracted, density, elapsed))
            if let trajectory {
                let t = Trajectory(kind: trajectory, speed: speed, rate: rate ?? 100)
                printError(
                    String(
                        format: "simulate: %@ path at %.2f m/s, %g samples/s (%.1f s); import it with --rate %g",
                        trajectory.rawValue, t.speed, t.rate, Double(positions.count) / t.rate, t.rate))
            }
        }
    }
}
