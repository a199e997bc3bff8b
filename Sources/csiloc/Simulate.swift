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

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "No progress output.")
    var quiet = false

    func run() throws {
        let scene = try sceneOptions.load()
        let positions = try sampling.positions(in: scene)
        var impairments = scene.impairments
        if let snrDb { impairments.snrDB = snrDb }
        if randomPhase { impairments.randomCommonPhase = true }
        let simulator = ChannelSimulator(scene: scene)
        let los = positions.map(simulator.hasLineOfSight(at:))
        let job = SimulationJob(simulator: simulator, positions: positions, impairments: impairments, seed: sampling.seed)
        // The frames' nuisance is declared (random phase, gain, timing); a clean or noise-only survey says nothing.
        let writer = try DatasetWriter(
            path: out, positions: positions, antennas: scene.array.positions,
            frequencies: scene.subcarriers.frequencies, carrier: scene.subcarriers.carrier,
            los: scene.nlosRegions.isEmpty ? nil : los, nuisance: job.declaredNuisance
        )
        let progress = ProgressLine("simulate", total: positions.count, unit: "channels", quiet: quiet)
        let start = Date()
        try job.run(width: threads ?? Parallel.defaultWidth, progress: progress.update) { block in
            try writer.appendChannels(block)
        }
        try writer.finish()
        let elapsed = Date().timeIntervalSince(start)
        if !quiet {
            let lambda = scene.subcarriers.wavelength
            let density = Double(positions.count) / (scene.ueRegion.footprintArea / (lambda * lambda))
            printError(String(format: "simulate: wrote %@: %d positions × %d antennas × %d subcarriers, %d paths, %.2f samples/λ², %.1f s",
                              out, positions.count, scene.array.count, scene.subcarriers.count,
                              simulator.paths.count, density, elapsed))
        }
    }
}
