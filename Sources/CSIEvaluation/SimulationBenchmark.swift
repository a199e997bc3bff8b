public import CSIChannel
import Foundation

/// `csiloc bench simulate`: channels per second of the simulator (nothing is written to disk).
public struct SimulationBenchmark: Sendable {
    var sceneName: String
    /// Number of positions simulated.
    public var points: Int
    package var antennaCount: Int, subcarrierCount: Int, pathCount: Int
    package var threads: Int
    /// Wall and process CPU time, s.
    var wallSeconds: Double, cpuSeconds: Double
    /// A sum over every 97th output value: makes runs comparable and keeps the output from being optimised away.
    var checksum: Double

    /// Simulates the channels of `scene` at `positions` (with the scene's impairments) on `threads` threads.
    public static func run(
        scene: Scene, positions: [Point3], seed: UInt64, threads: Int,
        progress: ((Int) -> Void)? = nil
    ) -> SimulationBenchmark {
        let simulator = ChannelSimulator(scene: scene)
        let job = SimulationJob(simulator: simulator, positions: positions, impairments: scene.impairments, seed: seed)
        var checksum = 0.0
        let cpu0 = ProcessStatistics.processCPUSeconds()
        let t0 = Date()
        job.run(width: threads, progress: progress) { block in
            var s: Float = 0
            for i in stride(from: 0, to: block.count, by: 97) { s += abs(block[i]) }
            checksum += Double(s)
        }
        let wall = Date().timeIntervalSince(t0)
        return SimulationBenchmark(
            sceneName: scene.name, points: positions.count, antennaCount: simulator.antennaCount,
            subcarrierCount: simulator.subcarrierCount, pathCount: simulator.paths.count, threads: threads,
            wallSeconds: wall, cpuSeconds: ProcessStatistics.processCPUSeconds() - cpu0, checksum: checksum)
    }

    var channelsPerSecond: Double { Double(points) / wallSeconds }
    /// Complex channel entries (antenna × subcarrier) per second.
    var entriesPerSecond: Double { Double(points * antennaCount * subcarrierCount) / wallSeconds }

    /// The `--json` report.
    public var report: SimulationBenchReport {
        SimulationBenchReport(
            scene: sceneName, points: points, antennas: antennaCount, subcarriers: subcarrierCount, paths: pathCount,
            threads: threads, wallS: wallSeconds, cpuS: cpuSeconds, channelsPerS: channelsPerSecond,
            entriesPerS: entriesPerSecond)
    }

    /// The text report.
    public var lines: [String] {
        [
            String(
                format: "bench simulate: scene %@, %d points × %d antennas × %d subcarriers, %d paths, %d threads",
                sceneName, points, antennaCount, subcarrierCount, pathCount, threads),
            String(
                format: "  wall %.2f s, CPU %.2f s, %.0f channels/s, %.3g channel entries/s (checksum %.6g)",
                wallSeconds, cpuSeconds, channelsPerSecond, entriesPerSecond, checksum),
        ]
    }
}
