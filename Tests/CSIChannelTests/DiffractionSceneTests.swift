import Foundation
import Numerics
import Testing

@testable import CSIChannel

/// The `edges:` key of scene files and the shipped street-corner scene.
@Suite struct DiffractionSceneTests {
    static let edge = """
        edges:
          - name: corner
            point: [0, 0, 0]
            direction: [0, 0, 1]
            length: 20
            face: [-1, 0, 0]
            exterior_angle: 270
            face_depth: [30, 30]
        """

    @Test func edgeParses() throws {
        let s = try Scene.parse(yaml: SceneFileTests.base + "\n" + Self.edge + "\n")
        #expect(s.edges.count == 1)
        let e = s.edges[0]
        #expect(e.n == 1.5 && e.length == 20 && e.face0 == Point3(-1, 0, 0))
        #expect(e.reflection.0 == .init(-1, 0) && e.reflection.1 == .init(-1, 0))
        // Face n: 270° from face 0 about +z.
        #expect((e.faceN - Point3(0, 1, 0)).length < 1e-12)
    }

    @Test(arguments: [
        ("    length: 20\n", "    length: .nan\n", "edges[0].length"),
        ("    length: 20\n", "    length: 0\n", "edges[0].length"),
        ("    direction: [0, 0, 1]\n", "    direction: [0, 0, 0]\n", "edges[0].direction"),
        ("    direction: [0, 0, 1]\n", "    direction: [0, .inf, 1]\n", "edges[0].direction"),
        ("    face: [-1, 0, 0]\n", "    face: [0, 0, 2]\n", "edges[0].face"),
        ("    exterior_angle: 270\n", "    exterior_angle: 90\n", "edges[0].exterior_angle"),
        ("    face_depth: [30, 30]", "    face_depth: [30, -1]", "edges[0].face_depth"),
        (
            "    face_depth: [30, 30]", "    face_depth: [30, 30]\n    reflection: [[1.2, 0], [-1, 0]]",
            "edges[0].reflection"
        ),
        (
            "    face_depth: [30, 30]", "    face_depth: [30, 30]\n    reflexion: [[1, 0], [-1, 0]]",
            "edges[0].reflexion"
        ),
        ("    point: [0, 0, 0]\n", "", "point"),
    ])
    func badEdgesAreErrorsNamingTheKey(_ replace: String, _ with: String, _ key: String) {
        let text = SceneFileTests.base + "\n" + Self.edge.replacingOccurrences(of: replace, with: with) + "\n"
        do {
            _ = try Scene.parse(yaml: text, file: "e.yaml")
            Issue.record("expected an error for \(with)")
        } catch {
            #expect("\(error)".contains(key), "\(error)")
        }
    }

    static func corner() throws -> Scene {
        try Scene.load(contentsOf: SceneFileTests.repoRoot.appendingPathComponent("etc/scenes/street-corner.yaml").path)
    }

    @Test("street-corner.yaml: LoS labels match a hand check of the line from the array centre past the corner")
    func cornerLineOfSightByHand() throws {
        let scene = try Self.corner()
        let sim = ChannelSimulator(scene: scene)
        #expect(sim.labelsLineOfSight)
        let c = scene.array.center // (−45, −3, 8); the corner's edge is the line x = −8, y = 8
        for (x, y) in [
            (0.0, 7.0), (0.0, 15.0), (3.0, 10.0), (-4.0, 12.0), (4.0, 12.0), (-5.5, 8.5), (-5.5, 6.5), (2.0, 16.0),
        ] {
            // By hand: where the line from the array centre reaches the building's east face x = −8, it is south
            // of the corner (y < 8) exactly when the UE is in line of sight (the south face y = 8 only spans x ≤ −8).
            let t = (-8 - c.x) / (x - c.x)
            let yAtFace = c.y + t * (y - c.y)
            #expect(
                sim.hasLineOfSight(at: Point3(x, y, 1.5)) == (yAtFace < 8),
                "(\(x), \(y)): line at y = \(yAtFace) on x = −8")
        }
    }

    @Test("street-corner.yaml: behind the corner only diffracted and reflected paths remain, and they are finite")
    func cornerBehindTheCorner() throws {
        let scene = try Self.corner()
        let sim = ChannelSimulator(scene: scene)
        let hidden = Point3(-4, 15, 1.5)
        #expect(!sim.hasLineOfSight(at: hidden))
        #expect(!sim.pathsReaching(hidden).contains { $0.order == 0 })
        #expect(sim.diffractedPathsReaching(hidden).contains { $0.path.reflectionCount == 0 })
        let h = sim.channels(at: [hidden])
        #expect(h.allSatisfy(\.isFinite) && h.contains { $0 != 0 })
    }
}
