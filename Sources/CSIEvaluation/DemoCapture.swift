import CSICapture
public import CSIChannel

/// The synthetic capture `csiloc demo` replays: test points the model never saw, with noise and truth.
public enum DemoCapture {
    /// Writes `count` frames of `scene` (uniform positions from `seed + 7`) at `snrDB` and `rate` frames/s to
    /// `path` (replaced); returns the true positions in frame (seq) order.
    public static func write(
        scene: Scene, count: Int, seed: UInt64, snrDB: Double, rate: Double, to path: String
    ) throws -> [Point3] {
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: count, seed: seed &+ 7)
        var csi = [Float](repeating: 0, count: count * sim.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in csi.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) } }
        let test = CSIDataset(positions: positions, csi: csi, scene: scene)
        var options = DatasetImporter.Options()
        options.snrDB = snrDB
        options.rateHz = rate
        options.seed = seed
        options.sourceName = "demo"
        try DatasetImporter(dataset: test, options: options).write(to: path, overwrite: true)
        return positions
    }
}
