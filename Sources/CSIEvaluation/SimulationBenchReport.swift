/// `csiloc bench simulate --json`.
public struct SimulationBenchReport: Codable, Sendable, Equatable {
    /// Always `simulate`.
    var benchmark = "simulate"
    /// Name of the scene simulated.
    public var scene: String
    /// Number of positions simulated.
    public var points: Int
    var antennas: Int
    /// Subcarriers per channel (N_s).
    public var subcarriers: Int
    var paths: Int
    package var threads: Int
    /// Wall time, seconds.
    @FiniteOrNull public var wallS: Double
    /// CPU time of all threads, seconds.
    @FiniteOrNull public var cpuS: Double
    /// Channels simulated per second of wall time.
    @FiniteOrNull public var channelsPerS: Double
    /// Channel entries (antenna × subcarrier) per second of wall time.
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
