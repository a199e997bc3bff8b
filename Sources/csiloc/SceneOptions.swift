import ArgumentParser
import CSIChannel

/// Options that select a scene and optionally resize it.
struct SceneOptions: ParsableArguments {
    @Option(name: .long, help: "Scene YAML file (see etc/scenes/ and docs/scenes.md; the default is also compiled in).")
    var scene: String = "etc/scenes/street.yaml"

    @Option(name: .long, help: "Override the number of antennas (same spacing).")
    var antennas: Int?

    @Option(name: .long, help: "Override the number of subcarriers (same band).")
    var subcarriers: Int?

    func load() throws -> Scene {
        if let antennas, !(1...4096).contains(antennas) {
            throw ValidationError("--antennas must be in 1...4096, got \(antennas)")
        }
        if let subcarriers, !(1...65_536).contains(subcarriers) {
            throw ValidationError("--subcarriers must be in 1...65536, got \(subcarriers)")
        }
        return try Scene.loadFileOrBuiltin(scene).scene.resized(antennas: antennas, subcarriers: subcarriers)
    }
}

/// Where to put receivers: `--points N` uniformly at random, or `--grid SPACING`.
struct SamplingOptions: ParsableArguments {
    @Option(name: .long, help: "Number of uniformly random positions in the scene's UE region.")
    var points: Int?

    @Option(name: .long, help: "Regular grid spacing in metres over the UE region (e.g. 0.0214 = λ/4 at 3.5 GHz).")
    var grid: Double?

    @Option(name: .long, help: "Random seed (positions and impairments). Same seed ⇒ identical output.")
    var seed: UInt64 = 1

    func validate() throws {
        switch (points, grid) {
        case (nil, nil): throw ValidationError("give --points N or --grid SPACING")
        case (.some, .some): throw ValidationError("give either --points or --grid, not both")
        case (.some(let n), nil) where n < 1 || n > 100_000_000:
            throw ValidationError("--points must be in 1...100000000, got \(n)")
        case (nil, .some(let g)) where !(g > 0 && g.isFinite):
            throw ValidationError("--grid must be a positive spacing in metres, got \(g)")
        default: break
        }
    }

    func positions(in scene: Scene) throws -> [Point3] {
        if let n = points { return PositionSampler.uniform(in: scene.ueRegion, count: n, seed: seed) }
        let g = grid ?? 0.1
        let count = PositionSampler.gridCount(in: scene.ueRegion, spacing: g)
        guard count <= 100_000_000 else {
            throw ValidationError("--grid \(g) over the UE region gives \(count) points; use a coarser spacing")
        }
        return PositionSampler.grid(in: scene.ueRegion, spacing: g)
    }
}
