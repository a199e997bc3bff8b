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

    @Test func theCornersPathIsFoundAndExplainsTheShadowedField() throws {
        let sim = ChannelSimulator(scene: Self.scene)
        let data = ImageSourceFitterTests.dataset(Self.scene, count: 400, seed: 4)
        // Ground truth: every receiver is behind the corner and reached only by the diffracted path.
        #expect(data.positions.allSatisfy { sim.pathsReaching($0).isEmpty && !sim.diffractedPathsReaching($0).isEmpty })
        let (tr, va) = ImageSourceFitterTests.split(data, validationFraction: 0.2)
        var options = ImageSourceFitter.Options()
        options.maxSources = 1
        options.tryGainMaps = false
        options.tryPlaneWave = false
        options.width = 2
        let points = ImageSourceFitter(options: options).fit(train: tr, validation: va)
        options.edges = [EdgeLine(point: Self.corner.origin, direction: Self.corner.direction)]
        let edges = ImageSourceFitter(options: options).fit(train: tr, validation: va)

        // The one path is the diffracted one, from the array itself: its image elements sit where the antennas do
        // relative to the edge line (along it and away from it; turning them about the line changes nothing).
        let path = try #require(edges.model.sources.first)
        let line = try #require(path.edge)
        let antennas = Self.scene.array.positions
        for (j, o) in edges.model.frame.offsets.enumerated() {
            let image = line.coordinates(path.element(o)), antenna = line.coordinates(antennas[j])
            #expect(abs(image.along - antenna.along) < 0.01 && abs(image.radial.length - antenna.radial.length) < 0.01)
        }
        #expect(
            edges.decisionValues.contains { if case .diffractedPath(1, 0, nil, nil, _, _) = $0 { true } else { false } }
        )
        // A cylindrical wave about the edge with a gain that varies smoothly (the UTD coefficient and the spreading,
        // not the model's 1/L, left to the gain slopes): far below what one point source can do here.
        #expect(edges.validationNMSEDB < -15, "with the edge: \(edges.validationNMSEDB) dB")
        #expect(
            edges.validationNMSEDB < points.validationNMSEDB - 6,
            "with the edge \(edges.validationNMSEDB) dB, one point source \(points.validationNMSEDB) dB")
    }
}
