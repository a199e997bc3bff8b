import ArgumentParser
import CSIEvaluation
import CSINumerics

/// `csiloc bench simulate`: channels per second of the simulator (nothing is written to disk).
struct BenchSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulator throughput, e.g. the λ/4 grid over 10 m × 10 m at 64 × 64.",
        discussion:
            "Example: csiloc bench simulate --scene etc/scenes/street.yaml --grid 0.0214 --antennas 64 --subcarriers 64"
    )

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var sampling: SamplingOptions

    @OptionGroup var parallel: ThreadOptions

    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        let scene = try sceneOptions.load()
        let positions = try sampling.positions(in: scene)
        let progress = ProgressLine("bench simulate", total: positions.count, unit: "channels", quiet: output.json)
        let bench = SimulationBenchmark.run(
            scene: scene, positions: positions, seed: sampling.seed, threads: parallel.width,
            progress: progress.update)
        try output.print(bench.report, lines: bench.lines)
    }
}
