import ArgumentParser
import CSIChannel
import CSIModel
import CSINumerics
import Foundation
import NumpyArchive

/// `csiloc predict`: the channel a trained model predicts, written as a dataset (docs/datasets.md).
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the channels a model predicts at given positions (or on a grid) as an NPZ dataset.",
        discussion: """
            Examples:
              csiloc predict --model street.csimodel --positions test.npz --out predicted.npz
              csiloc predict --model street.csimodel --grid 0.0214 --out map.npz          # over the model's training region
              csiloc predict --model street.csimodel --scene etc/scenes/street.yaml --grid 0.0214 --out map.npz
            --positions takes any NPZ with a `positions` key (N, 3), in its order. The output has the dataset layout
            (positions, csi, frequencies, antennas, carrier), so `csiloc eval`, numpy and other tools read it. For a model
            trained on an unsynchronised survey the channels carry its convention for the global phase (docs/model.md).
            """
    )

    @Option(name: .long, help: "Trained model file (csiloc train).")
    var model: String

    @Option(name: .long, help: "NPZ file whose `positions` key (N, 3) lists where to predict.")
    var positions: String?

    @Option(
        name: .long,
        help:
            "Regular grid spacing in metres (x fastest, then y, then z), over --scene's UE region or else the model's training region."
    )
    var grid: Double?

    @Option(name: .long, help: "Scene YAML whose UE region the grid covers (default: the model's training region).")
    var scene: String?

    @Option(name: .long, help: "Output NPZ file.")
    var out: String

    @OptionGroup var parallel: ThreadOptions

    /// Largest number of positions written in one run (10⁷ channels of 16 × 16 = 20 GB of complex64).
    static let maximumPositions = 10_000_000

    func validate() throws {
        guard (positions == nil) != (grid == nil) else {
            throw ValidationError("give either --positions FILE.npz or --grid SPACING")
        }
        if let grid {
            guard grid > 0, grid.isFinite else {
                throw ValidationError("--grid must be a positive number of metres, got \(grid)")
            }
        }
        if scene != nil && grid == nil { throw ValidationError("--scene only makes sense with --grid") }
        if let threads = parallel.threads {
            guard (1...1024).contains(threads) else { throw ValidationError("--threads must be in 1...1024") }
        }
    }

    func run() throws {
        let loaded = try ModelLoader.load(contentsOf: model)
        let points: [Point3]
        if let path = positions {
            let archive = try NPZArchive(path: path)
            guard archive.contains("positions") else {
                throw ValidationError(
                    "\(path): no `positions` key (present: \(archive.keys.sorted().joined(separator: ", ")))")
            }
            let p = try archive.doubles("positions")
            try p.checkShape([nil, 3])
            guard p.values.allSatisfy(\.isFinite) else { throw ValidationError("\(path): positions must be finite") }
            points = Swift.stride(from: 0, to: p.values.count, by: 3).map {
                Point3(p.values[$0], p.values[$0 + 1], p.values[$0 + 2])
            }
        } else {
            let region = try scene.map { try Scene.load(contentsOf: $0).ueRegion } ?? loaded.searchRegion
            let count = PositionSampler.gridCount(in: region, spacing: grid!)
            guard count <= Self.maximumPositions else {
                throw ValidationError(
                    "--grid \(grid!) m gives \(count) positions over the region; at most \(Self.maximumPositions) (use a coarser grid)"
                )
            }
            points = PositionSampler.grid(in: region, spacing: grid!)
        }
        guard points.count <= Self.maximumPositions else {
            throw ValidationError("\(points.count) positions; at most \(Self.maximumPositions) per run")
        }
        let m = loaded.model
        let writer = try DatasetWriter(
            path: out, positions: points, antennas: m.antennaPositions, frequencies: m.frequencies,
            carrier: loaded.header.carrier, los: nil)
        let stride = m.valuesPerChannel, block = 4096
        let width = parallel.width
        var start = 0
        let t0 = Date()
        while start < points.count {
            let n = min(block, points.count - start), first = start
            var values = [Double](repeating: 0, count: n * stride)
            values.withUnsafeMutableBufferPointer { vb in
                nonisolated(unsafe) let vb = vb
                points.withUnsafeBufferPointer { pb in
                    nonisolated(unsafe) let pb = pb
                    Parallel.forEachChunk(count: n, width: width, minChunk: 64) { range in
                        m.evaluate(
                            UnsafeBufferPointer(rebasing: pb[(first + range.lowerBound)..<(first + range.upperBound)]),
                            into: UnsafeMutableBufferPointer(
                                rebasing: vb[(range.lowerBound * stride)..<(range.upperBound * stride)]))
                    }
                }
            }
            let floats = values.map(Float.init)
            try floats.withUnsafeBufferPointer { try writer.appendChannels($0) }
            start += n
        }
        try writer.finish()
        printError(
            String(
                format: "predict: wrote %@: %d positions × %d antennas × %d subcarriers from %@ model %@, %.1f s",
                out, points.count, m.antennaCount, m.subcarrierCount, loaded.header.kind,
                String(loaded.digest.prefix(12)),
                Date().timeIntervalSince(t0)))
    }
}
