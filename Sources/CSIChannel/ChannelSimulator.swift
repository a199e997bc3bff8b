import CSINumerics
import Numerics

/// The exact multipath channel of a `Scene` by the image-source method:
///
///   h_{j,k}(x) = Σ_l Γ_l · g_j(u_l) / d_{l,j}(x) · exp(−j 2π f_k d_{l,j}(x) / c),
///
/// with d_{l,j} the unfolded length of path l from antenna j (distance to its image), Γ_l the product of
/// reflection coefficients, and g_j the element pattern toward the departure direction u_l. Paths that do
/// not reach x (a bounce outside a finite plane, a leg crossing a wedge face, or the direct path inside an NLoS
/// region) are omitted. Scenes with edges add the diffracted paths (`DiffractedPath`, docs/scenes.md).
///
/// Float64 throughout; the sum over subcarriers is done by `MultipathAccumulator` (phase rotation).
public struct ChannelSimulator: ChannelModel {
    /// The simulator is the scene's exact channel.
    public var isOracle: Bool { true }
    /// The scene being simulated.
    public let scene: Scene
    /// The specular image-source paths (direct and reflected) up to the scene's bounce order.
    public let paths: [PropagationPath]
    /// The diffracted paths (empty without edges).
    public let diffractedPaths: [DiffractedPath]
    /// Antenna element positions, scene frame, metres.
    public let antennaPositions: [Point3]
    /// Subcarrier frequencies, Hz.
    public let frequencies: [Double]
    let hasPattern: Bool

    /// Enumerates the scene's paths once; evaluation then only sums them.
    public init(scene: Scene) {
        self.scene = scene
        self.paths = PropagationPath.enumerate(in: scene)
        self.diffractedPaths = DiffractedPath.enumerate(in: scene)
        self.antennaPositions = scene.array.positions
        self.frequencies = scene.subcarriers.frequencies
        self.hasPattern = scene.array.pattern != .isotropic
    }

    /// Which image-source paths reach `x` from antenna 0 (diagnostics; diffracted paths: `diffractedPathsReaching`).
    func pathsReaching(_ x: Point3) -> [PropagationPath] {
        paths.filter { p in
            !(p.order == 0 && scene.isLineOfSightBlocked(at: x))
                && p.reaches(x, antenna: 0, planes: scene.planes, edges: scene.edges)
        }
    }

    /// Whether the direct path reaches `x` (the `los` label of datasets): `x` is outside every NLoS region and
    /// the segment from the array centre to `x` crosses no wedge face.
    public func hasLineOfSight(at x: Point3) -> Bool {
        !scene.isLineOfSightBlocked(at: x) && !scene.isBlockedByEdges(from: scene.array.center, to: x)
    }

    /// Whether datasets of this scene carry `los` labels (NLoS regions or edges make them informative).
    public var labelsLineOfSight: Bool { !scene.nlosRegions.isEmpty || !scene.edges.isEmpty }

    /// The exact channel at each position, interleaved complex, antenna-major (`valuesPerChannel` per position).
    public func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        evaluate(positions, into: output) { $0.write(into: $1) }
    }

    /// Evaluates into complex64 (interleaved Float), the dataset and wire format. Uses the same Float64
    /// computation and rounds once at the end.
    public func evaluateFloat(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Float>)
    {
        evaluate(positions, into: output) { $0.write(into: $1) }
    }

    /// Sums the paths at each position and has `write` store the channel at its place in `output`.
    private func evaluate<Scalar>(
        _ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Scalar>,
        write: (MultipathAccumulator, UnsafeMutablePointer<Scalar>) -> Void
    ) {
        let stride = valuesPerChannel
        precondition(output.count >= positions.count * stride, "output buffer too small")
        var acc = MultipathAccumulator(antennas: antennaCount, frequencies: frequencies)
        for (b, x) in positions.enumerated() {
            accumulate(at: x, into: &acc)
            write(acc, output.baseAddress! + b * stride)
        }
    }

    /// Sums every path's contribution at `x` into `acc`.
    func accumulate(at x: Point3, into acc: inout MultipathAccumulator) {
        let na = antennaCount
        acc.clear()
        let planes = scene.planes, edges = scene.edges
        let losBlocked = scene.isLineOfSightBlocked(at: x)
        for path in paths {
            if path.order == 0 && losBlocked { continue }
            var any = false
            let g = path.gain
            for j in 0..<na {
                guard path.reaches(x, antenna: j, planes: planes, edges: edges) else {
                    acc.amplitudeRe[j] = 0; acc.amplitudeIm[j] = 0; continue
                }
                let delta = x - path.images[j]
                let d = delta.length
                var a = 1 / d
                if hasPattern {
                    a *= scene.array.pattern.gain(toward: path.linear.applyTransposed(delta / d))
                }
                acc.amplitudeRe[j] = a * g.real
                acc.amplitudeIm[j] = a * g.imaginary
                acc.delay[j] = d / speedOfLight
                any = any || a != 0
            }
            if any { acc.addPath() }
        }
        if !diffractedPaths.isEmpty { accumulateDiffraction(at: x, into: &acc) }
    }
}
