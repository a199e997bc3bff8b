/// `csiloc bench simulate --json`.
public struct SimulationBenchReport: Codable, Sendable, Equatable {
    /// Always `simulate`.
    var benchmark = "simulate"
    public var scene: String
    public var points: Int
    var antennas: Int
    public var subcarriers: Int
    var paths: Int
    package var threads: Int
    @FiniteOrNull public var wallS: Double
    @FiniteOrNull public var cpuS: Double
    @FiniteOrNull public var channelsPerS: Double
    @FiniteOrNull public var entriesPerS: Double

    enum CodingKeys: String, CodingKey {
        case benchmark, scene, points, antennas, subcarriers, paths, threads, wallS = "wall_s", cpuS = "cpu_s"
        case channelsPerS = "channels_per_s", entriesPerS = "entries_per_s"
    }

    init(
        scene: String, points: Int, antennas: Int, subcarriers: Int, paths: Int, threads: Int, wallS: Double,
        cpuS: Double, channelsPerS: Double, entriesPerS: Double
    ) {
        self.scene = scene
        self.points = points
        self.antennas = antennas
        self.subcarriers = subcarriers
        self.paths = paths
        self.threads = threads
        self.wallS = wallS
        self.cpuS = cpuS
        self.channelsPerS = channelsPerS
        self.entriesPerS = entriesPerS
    }
}
