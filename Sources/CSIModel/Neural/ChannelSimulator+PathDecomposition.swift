public import CSIChannel
import CSINumerics
import Numerics

extension ChannelSimulator: PathDecomposition {
    /// The exact simulator's paths at x, seen from the centre of the (image) array: delay d/c, direction,
    /// coefficient Γ/d·e^{−j k₀ d} at the carrier, and Lᵀu for the antenna phases (element patterns ignored).
    /// Lets benchmarks and tests exercise the physics warm start without the image-source fit.
    /// Only for pure image-source scenes: diffracted paths are not point sources, so a scene with edges is a
    /// programming error here (`NeuralBenchmarks` refuses it before; `Scene.hasDiffraction`).
    public func paths(at x: Point3) -> [PathComponent] {
        precondition(
            !scene.hasDiffraction, "ChannelSimulator.paths(at:) is an image-source decomposition; the scene has edges")
        let k0 = 2 * Double.pi * scene.subcarriers.carrier / speedOfLight
        let losBlocked = scene.isLineOfSightBlocked(at: x)
        return paths.enumerated().compactMap { (id, p) -> PathComponent? in
            guard !(p.order == 0 && losBlocked), p.reaches(x, antenna: 0, planes: scene.planes, edges: scene.edges)
            else { return nil }
            let centre = p.images.reduce(Point3.zero, +) / Double(max(1, p.images.count))
            let v = x - centre, d = v.length, u = v / d
            return PathComponent(
                id: id, delay: d / speedOfLight, direction: u,
                amplitude: p.gain * Complex(length: 1 / d, phase: -k0 * d),
                arrayDirection: p.linear.applyTransposed(u))
        }
    }
}
