import CSIChannel
import Testing

@testable import CSIModel

/// The simulator's image-source decomposition (the `physics` warm start) does not describe diffracted paths, so
/// scenes with edges are refused rather than silently decomposed without them.
@Suite struct PhysicsStartDiffractionTests {
    @Test func physicsStartRefusesScenesWithEdges() {
        let edge = DiffractingEdge(
            name: "corner", origin: .zero, direction: Point3(0, 0, 1), length: 10, face0: Point3(-1, 0, 0),
            n: 1.5, faceDepth: (10, 10))
        let scene = Scene(
            name: "corner", array: .ula(count: 2, spacing: 0.04, center: Point3(-10, -3, 3), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 2),
            ueRegion: Region(x: 1...2, y: 1...2, z: 1...1), edges: [edge])
        #expect(scene.hasDiffraction)
        var request = NeuralBenchmarks.Request(scene: scene)
        request.start = .physics
        request.trainCount = 10; request.testCount = 10
        do {
            _ = try NeuralBenchmarks.run(request) { _ in }
            Issue.record("expected the physics start to refuse a scene with edges")
        } catch {
            #expect("\(error)".contains("diffracting edge"))
        }
    }
}
