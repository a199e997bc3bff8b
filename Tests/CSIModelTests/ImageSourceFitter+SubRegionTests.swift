import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// The path search's sub-regions: where a path the whole survey hides is looked for.
@Suite struct ImageSourceFitterSubRegionTests {
    /// Direct path everywhere; a wall reflection that exists only for receivers with x ≲ −0.4 (the wall ends at
    /// x = −3.2, so the specular point leaves it for receivers further east).
    static let partialWallScene = Scene(
        name: "partial-wall",
        array: .ula(count: 8, spacing: 0.0428, center: Point3(-6, 0.5, 3), axis: Point3(0, 1, 0)),
        subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 8),
        planes: [
            ReflectingPlane(
                name: "short wall", point: Point3(-6.6, 4, 3), normal: Point3(0, -1, 0),
                reflection: Complex(-0.6, 0.1), extent: (u: Point3(1, 0, 0), size: (6.8, 6)))
        ],
        maxReflectionOrder: 1, ueRegion: Region(x: -1...1, y: -1...1, z: 1...1))

    @Test func theFirstSubRegionIsWhereTheMissingPathIsSeen() throws {
        let scene = Self.partialWallScene
        let data = ImageSourceFitterTests.dataset(scene, count: 500, seed: 8)
        let sim = ChannelSimulator(scene: scene)
        // Ground truth of where the wall's reflection reaches.
        let seen = data.positions.filter { x in sim.pathsReaching(x).contains { $0.order == 1 } }
        #expect(seen.count > 50 && seen.count < 300, "the wall is seen from \(seen.count) of 500 points")
        let (tr, va) = ImageSourceFitterTests.split(data, validationFraction: 0.15)
        var options = ImageSourceFitter.Options()
        options.maxSources = 1
        options.tryGainMaps = false
        let first = ImageSourceFitter(options: options).fit(train: tr, validation: va)
        #expect(first.model.sources.count == 1)
        let context = FitContext(train: tr, validation: va, options: options)
        let reporter = FitReporter(start: Date(), progress: { _ in }, cancelled: { false }, checkpoint: { _, _ in })
        let search = PathSearch(context: context, reporter: reporter, wholeArea: context.allPoints)
        let regions = search.subRegions(
            residualModel: context.model(first.model.sources, first.model.phaseModel), radiusFraction: 0.4)
        #expect(regions.count == options.subRegionsPerPath)
        let best = try #require(regions.first)
        // Most of the best disk's points see the wall.
        let inDisk = tr.positions.filter { ($0 - best.focus).length <= best.radius }
        let seeing = inDisk.filter { x in sim.pathsReaching(x).contains { $0.order == 1 } }
        #expect(
            Double(seeing.count) >= 0.8 * Double(inDisk.count),
            "\(seeing.count) of \(inDisk.count) points of the disk around \(best.focus) see the wall")
        // The regions are disjoint in the sense of the search: no centre inside another's disk.
        for (i, a) in regions.enumerated() {
            for b in regions[(i + 1)...] { #expect((a.focus - b.focus).length > a.radius) }
        }
    }
}
