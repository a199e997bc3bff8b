import ArgumentParser
import CSIChannel
import CSINumerics
import Foundation

/// `csiloc bench simulate`: channels per second of the simulator (nothing is written to disk).
struct BenchSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulator throughput, e.g. the λ/4 grid over 10 m × 10 m at 64 × 64.",
        discussion: "Example: csiloc bench simulate --scene etc/scenes/street.yaml --grid 0.0214 --antennas 64 --subcarriers 64"
    )

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let scene = try sceneOptions.load()
        let positions = try sampling.positions(in: scene)
        let simulator = ChannelSimulator(scene: scene)
        let width = threads ?? Parallel.defaultWidth
        let job = SimulationJob(simulator: simulator, positions: positions, impairments: scene.impairments, seed: sampling.seed)
        let progress = ProgressLine("bench simulate", total: positions.count, unit: "channels", quiet: json)
        var checksum = 0.0
        let cpu0 = cpuSeconds()
        let t0 = Date()
        job.run(width: width, progress: progress.update) { block in
            // Touch the output so that nothing is optimised away; a checksum also makes runs comparable.
            var s: Float = 0
            for i in stride(from: 0, to: block.count, by: 97) { s += abs(block[i]) }
            checksum += Double(s)
        }
        let wall = Date().timeIntervalSince(t0)
        let cpu = cpuSeconds() - cpu0
        let rate = Double(positions.count) / wall
        let entries = Double(positions.count * simulator.antennaCount * simulator.subcarrierCount)
        if json {
            print("{\"benchmark\":\"simulate\",\"scene\":\"\(scene.name)\",\"points\":\(positions.count),\"antennas\":\(simulator.antennaCount),\"subcarriers\":\(simulator.subcarrierCount),\"paths\":\(simulator.paths.count),\"threads\":\(width),\"wall_s\":\(wall),\"cpu_s\":\(cpu),\"channels_per_s\":\(rate),\"entries_per_s\":\(entries / wall)}")
        } else {
            print(String(format: """
                bench simulate: scene %@, %d points × %d antennas × %d subcarriers, %d paths, %d threads
                  wall %.2f s, CPU %.2f s, %.0f channels/s, %.3g channel entries/s (checksum %.6g)
                """, scene.name, positions.count, simulator.antennaCount, simulator.subcarrierCount,
                simulator.paths.count, width, wall, cpu, rate, entries / wall, checksum))
        }
    }
}

/// User + system CPU time of this process, seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
