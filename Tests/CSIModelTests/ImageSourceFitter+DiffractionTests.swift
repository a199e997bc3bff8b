import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// The path search's diffracted paths (`DiffractionSearch`): a receiver area behind a building corner, lit only by
/// the corner's diffraction (the simulator's UTD), fitted with and without the corner's edge line.
@Suite struct ImageSourceFitterDiffractionTests {
    /// A corner at the origin (the building fills x < 0, y > 0; exterior angle 270°), the array south-west of it and
    /// the receivers north-east, in its shadow: nothing reaches them but the diffracted wave.
    static let corner = DiffractingEdge(
        name: "corner", origin: Point3(0, 0, 0), direction: Point3(0, 0, 1), length: 12, face0: Point3(-1, 0, 0),
        n: 1.5, faceDepth: (20, 20))
    static let scene = Scene(
        name: "behind-the-corner",
        array: .ula(count: 6, spacing: 0.0428, center: Point3(-10, -3, 3), axis: Point3(0, 1, 0)),
        subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 6),
        ueRegion: Region(x: 0.6...1.6, y: 2...3, z: 1...1), edges: [corner])

    /// Clean, and surveyed as a real receiver records it (per-frame phase, timing offset within ±5 ns, 1 dB gain
    /// spread), fitted with those unknowns.
    @Test(arguments: [NuisanceModel.none, .phaseGainAndTiming])
    func theCornersPathIsFoundAndExplainsTheShadowedField(_ nuisance: NuisanceModel) throws {
        let sim = ChannelSimulator(scene: Self.scene)
        var data = ImageSourceFitterTests.dataset(Self.scene, count: 400, seed: 4)
        // Ground truth: every receiver is behind the corner and reached only by the diffracted path.
        #expect(data.positions.allSatisfy { sim.pathsReaching($0).isEmpty && !sim.diffractedPathsReaching($0).isEmpty })
        if nuisance != .none {
            let impairments = Impairments(randomCommonPhase: true, maxTimingOffset: 5e-9, gainStdDB: 1)
            var rng = SeededGenerator(seed: 5, stream: 1)
            let stride = sim.valuesPerChannel
            data.csi.withUnsafeMutableBufferPointer { c in
                for m in data.positions.indices {
                    impairments.apply(
                        to: UnsafeMutableBufferPointer(rebasing: c[(m * stride)..<((m + 1) * stride)]),
                        antennas: Self.scene.array.positions.count, frequencies: Self.scene.subcarriers.frequencies,
                        carrier: Self.scene.subcarriers.carrier, rng: &rng)
                }
            }
        }
        let (tr, va) = ImageSourceFitterTests.split(data, validationFraction: 0.2)
        var options = ImageSourceFitter.Options()
        options.maxSources = 1
        options.tryGainMaps = false
        options.tryPlaneWave = false
        options.width = 2
        options.nuisance = nuisance
        let points = ImageSourceFitter(options: options).fit(train: tr, validation: va)
        options.edges = [EdgeLine(point: Self.corner.origin, direction: Self.corner.direction)]
        let edges = ImageSourceFitter(options: options).fit(train: tr, validation: va)
        options.edges = [EdgeLine(Self.corner)]
        let wedge = ImageSourceFitter(options: options).fit(train: tr, validation: va)

        // The one path is the diffracted one, from the array itself: its image elements sit where the antennas do
        // relative to the edge line (along it and away from it; turning them about the line changes nothing). With
        // per-frame timing offsets the common delay is not observable, so only the path itself is checked then.
        let path = try #require(edges.model.sources.first)
        let line = try #require(path.edge)
        let antennas = Self.scene.array.positions
        for (j, o) in edges.model.frame.offsets.enumerated() where nuisance == .none {
            let image = line.coordinates(path.element(o)), antenna = line.coordinates(antennas[j])
            #expect(abs(image.along - antenna.along) < 0.01 && abs(image.radial.length - antenna.radial.length) < 0.01)
        }
        #expect(
            edges.decisionValues.contains {
                if case .diffractedPath(1, 0, nil, false, false, _, _) = $0 { true } else { false }
            }
        )
        // A cylindrical wave about the edge with a gain that varies smoothly (with the line alone, the UTD coefficient
        // is left to the gain slopes): far below what one point source can do here. With per-frame
        // gain, phase and timing a lone path carries little position information (what is left is nearly the same
        // departure across the antennas everywhere), so a point source fits it as well: only the edge's fit is
        // judged then.
        #expect(edges.validationNMSEDB < -15, "with the edge: \(edges.validationNMSEDB) dB")
        // With the scene's wedge the path carries the diffraction coefficient too: what remains is the coefficient's
        // variation across the band and the array (evaluated at the carrier, from the array's centre).
        #expect(wedge.validationNMSEDB < -28, "with the wedge: \(wedge.validationNMSEDB) dB")
        if nuisance == .none {
            // The decision says the path carries the wedge's coefficient.
            #expect(
                wedge.decisionValues.contains {
                    if case .diffractedPath(1, 0, nil, false, true, _, _) = $0 { true } else { false }
                })
            #expect(
                wedge.validationNMSEDB < edges.validationNMSEDB - 6,
                "with the wedge \(wedge.validationNMSEDB) dB, the line alone \(edges.validationNMSEDB) dB")
        }
        if nuisance == .none {
            #expect(
                edges.validationNMSEDB < points.validationNMSEDB - 6,
                "with the edge \(edges.validationNMSEDB) dB, one point source \(points.validationNMSEDB) dB")
        }
    }

    /// With the wedge, the array's image in the wall that carries face 0 lies inside the wedge: no candidate from it
    /// (the coefficient's reflection-boundary term stands for that reflection); with the line alone it is tried.
    @Test func noCandidateFromAnImageInsideTheWedge() {
        let face = ReflectingPlane(name: "face 0", point: .zero, normal: Point3(0, 1, 0), reflection: Complex(-1, 0))
        let (tr, va) = ImageSourceFitterTests.split(
            ImageSourceFitterTests.dataset(Self.scene, count: 20, seed: 3), validationFraction: 0.2)
        func fromTheImage(wedge: Bool) -> Bool {
            var options = ImageSourceFitter.Options()
            options.edges = [EdgeLine(Self.corner, wedge: wedge)]
            let context = FitContext(train: tr, validation: va, options: options)
            let reporter = FitReporter(start: Date(), progress: { _ in }, cancelled: { false }, checkpoint: { _, _ in })
            let search = DiffractionSearch(context: context, reporter: reporter, wholeArea: context.allPoints)
            let f = context.frame.axes
            func mirror(_ v: Point3) -> Point3 { Point3(v.x, -v.y, v.z) }
            let image = ImageSource(
                center: face.mirror(context.frame.center), frame: (mirror(f.0), mirror(f.1), mirror(f.2)),
                gain: Complex(0.5, 0))
            return search.candidates([image]).contains { $0.parent == 1 }
        }
        #expect(!fromTheImage(wedge: true))
        #expect(fromTheImage(wedge: false))
    }

    /// The candidates' path lengths are the simulator's: with a wall east of the corner and its reflection among the
    /// straight paths, every diffracted path the simulator traces (around the corner alone, wall then corner, corner
    /// then wall) is one of the candidates, to 10⁻⁹ of its length, at every antenna.
    @Test func candidatesTraceTheSimulatorsDiffractedPaths() throws {
        let wall = ReflectingPlane(
            name: "east", point: Point3(5, 0, 0), normal: Point3(-1, 0, 0), reflection: Complex(-0.4, 0.2))
        let scene = Scene(
            name: "corner-and-wall", array: Self.scene.array, subcarriers: Self.scene.subcarriers, planes: [wall],
            maxReflectionOrder: 1, ueRegion: Self.scene.ueRegion, edges: [Self.corner])
        let sim = ChannelSimulator(scene: scene)
        let (tr, va) = ImageSourceFitterTests.split(
            ImageSourceFitterTests.dataset(scene, count: 60, seed: 2), validationFraction: 0.2)
        var options = ImageSourceFitter.Options()
        options.edges = [EdgeLine(Self.corner)]
        let context = FitContext(train: tr, validation: va, options: options)
        let reporter = FitReporter(start: Date(), progress: { _ in }, cancelled: { false }, checkpoint: { _, _ in })
        let search = DiffractionSearch(context: context, reporter: reporter, wholeArea: context.allPoints)
        // The wall's image of the array, as the fit finds it: the mirrored centre and frame.
        let f = context.frame.axes
        func mirror(_ v: Point3) -> Point3 { Point3(-v.x, v.y, v.z) }
        let image = ImageSource(
            center: wall.mirror(context.frame.center), frame: (mirror(f.0), mirror(f.1), mirror(f.2)),
            gain: Complex(0.4, 0))
        let candidates = search.candidates([image])
        #expect(candidates.contains { $0.parent == 1 } && candidates.contains { $0.afterReflection })
        let antennas = scene.array.positions
        var traced = 0
        for x in tr.positions.prefix(10) {
            for (j, antenna) in antennas.enumerated() {
                for path in sim.diffractedPaths {
                    guard let g = path.geometry(at: x, antenna: antenna, scene: scene) else { continue }
                    traced += 1
                    let o = context.frame.offsets[j]
                    let (best, c) = candidates.map { c in
                        (abs(c.source.edge!.pathLength(from: c.source.element(o), to: x) - g.length), c)
                    }.min { $0.0 < $1.0 }!
                    #expect(best <= 1e-9 * g.length, "path \(path) at \(x), antenna \(j): off by \(best) m")
                    // And its wedge (mirrored with the edge for diffract-then-reflect) gives the simulator's
                    // envelope, the wall's reflection coefficient apart.
                    let edge = c.source.edge!, e = c.source.element(o), k = 2 * Double.pi * 3.5e9 / speedOfLight
                    let model =
                        edge.coefficient(from: e, to: x, wavenumber: k)
                        / Complex(edge.spreading(from: e, to: x).divisor, 0)
                    let expected = path.envelope(g, wavenumber: k, scene: scene) / g.gain
                    #expect(
                        (model - expected).length <= 1e-7 * expected.length,
                        "path \(path) at \(x), antenna \(j): \(model) vs \(expected)")
                }
            }
        }
        #expect(traced > 0)
        // All three kinds were traced (alone, after the wall, before it).
        #expect(Set(sim.diffractedPaths.map { "\($0.planeBefore != nil)\($0.planeAfter != nil)" }).count == 3)
    }
}
