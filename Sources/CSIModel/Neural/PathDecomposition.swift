public import CSIChannel
import CSINumerics
import Numerics

/// One propagation path at a location, in closed form (what the image-source fit knows).
public struct PathComponent: Sendable, Equatable {
    /// Propagation delay d_l(x)/c from the array reference point, seconds.
    var delay: Double
    /// Unit propagation direction at x (from the (image) source toward x).
    var direction: Point3
    /// The path's complex coefficient at the array reference point and the reference frequency, including
    /// the propagation phase: g_l/d_l·e^{−j k₀ d_l}, in raw channel units (as in the dataset).
    var amplitude: Complex<Double>
    /// The direction whose projection on the *physical* antenna offsets gives the phase across the array:
    /// Lᵀu for a path whose image array is the physical one mirrored by L (reflections flip it), u for LoS.
    var arrayDirection: Point3
    /// A stable identifier of the path (e.g. the source index of the fit), the same at every location.
    public var id: Int

    init(id: Int, delay: Double, direction: Point3, amplitude: Complex<Double>, arrayDirection: Point3? = nil) {
        self.id = id; self.delay = delay; self.direction = direction; self.amplitude = amplitude
        self.arrayDirection = arrayDirection ?? direction
    }
}

/// A channel model that can list its paths at any location: the physics fit provides it, and the MB-INR
/// can be warm-started from it (`MBINR.warmStart(from:positions:scale:)`).
public protocol PathDecomposition: Sendable {
    func paths(at x: Point3) -> [PathComponent]
}

/// How paths are given atoms when building warm-start targets.
enum PathAssignment: Sendable {
    /// Each path id keeps one atom everywhere: the free atom nearest its direction at the area centre.
    /// Targets are continuous; w_i(x) carries the path's wavefront curvature over the area (smooth on
    /// patches of a few metres). The default.
    case fixedPerPath
    /// At each location each path takes the free atom nearest its local direction: slower phase in w,
    /// but jumps where the nearest atom changes.
    case nearestPerLocation
}

extension MBINR {
    /// Branch targets reproducing `physics` at `positions` (initialisation (b) of the brief, docs/method.md §16.1):
    /// each path is given the free atom whose wave vector is nearest its direction (in-plane
    /// for a 2-D network; see `PathAssignment`); that atom's targets are τ_i = d_l/c,
    /// μ_i = arrayDirection on the array basis and
    /// w_i = scale·a_l·e^{+jk_r κ_i·(x − o)} (so that w_i ψ_{x,i} = scale·a_l). Atoms without a path get w = 0
    /// and their own direction (weight 0.1 on the delay/direction so that they stay near a sane value).
    func physicsTargets(
        _ physics: some PathDecomposition, positions: [Point3], scale: Double,
        assignment: PathAssignment = .fixedPerPath
    ) -> BranchTargets {
        let g = configuration.geometry, d = atomCount, P = rank, nd = g.inputDimensions, kr = g.wavenumber
        let kappa = atoms(), own = atomOwnDirections
        var t = BranchTargets(positions: positions)
        var tau = [Double](repeating: 0, count: positions.count * d), tauW = tau
        var mu = [Double](repeating: 0, count: positions.count * d * P), muW = mu
        var wr = tau, wi = tau, wW = [Double](repeating: 1, count: tau.count), curv = tau, curvW = tau
        func nearest(_ u: Point3, _ used: [Bool]) -> Int {
            var best = -1, bestDist = Double.infinity
            for i in 0..<d where !used[i] {
                var dist = 0.0
                for c in 0..<nd { let e = kappa[i * nd + c] - u[c]; dist += e * e }
                if dist < bestDist { bestDist = dist; best = i }
            }
            return best
        }
        var fixedAtom: [Int: Int] = [:], taken = [Bool](repeating: false, count: d)
        func assign(_ paths: [PathComponent]) {
            for p in paths.sorted(by: { $0.amplitude.length > $1.amplitude.length }) where fixedAtom[p.id] == nil {
                let i = nearest(p.direction, taken)
                if i >= 0 { fixedAtom[p.id] = i; taken[i] = true }
            }
        }
        if case .fixedPerPath = assignment { assign(physics.paths(at: g.origin)) }
        for (m, x) in positions.enumerated() {
            let paths = physics.paths(at: x)
            if case .fixedPerPath = assignment { assign(paths) }
            var used = [Bool](repeating: false, count: d)
            let strongest = paths.max { $0.amplitude.length < $1.amplitude.length }?.delay ?? 0
            for i in 0..<d {
                tau[m * d + i] = strongest / configuration.delayScale; tauW[m * d + i] = 0.1
                curv[m * d + i] = 1 / max(1, strongest * speedOfLight) / configuration.curvatureScale;
                curvW[m * d + i] = 0.1
                for q in 0..<P { mu[(m * d + i) * P + q] = own[i * P + q]; muW[(m * d + i) * P + q] = 0.1 }
            }
            for path in paths.sorted(by: { $0.amplitude.length > $1.amplitude.length }) {
                let best: Int
                switch assignment {
                case .fixedPerPath: best = fixedAtom[path.id] ?? -1
                case .nearestPerLocation: best = nearest(path.direction, used)
                }
                guard best >= 0, !used[best] else { continue }
                used[best] = true
                let o = m * d + best
                tau[o] = path.delay / configuration.delayScale; tauW[o] = 1
                curv[o] = 1 / max(1, path.delay * speedOfLight) / configuration.curvatureScale; curvW[o] = 1
                for (q, e) in g.arrayBasis.enumerated() {
                    mu[o * P + q] = path.arrayDirection.dot(e); muW[o * P + q] = 1
                }
                var dot = 0.0
                let rel = x - g.origin
                for c in 0..<nd { dot += kappa[best * nd + c] * rel[c] }
                let w = path.amplitude * Complex(length: scale, phase: kr * dot)
                wr[o] = w.real; wi[o] = w.imaginary
            }
        }
        t.delay = tau; t.delayWeight = tauW; t.curvature = curv; t.curvatureWeight = curvW; t.direction = mu;
        t.directionWeight = muW
        t.amplitudeRe = wr; t.amplitudeIm = wi; t.amplitudeWeight = wW
        return t
    }

    /// Warm start from a physics model: fits the branches to `physicsTargets` so that the network starts near
    /// the physics solution; then train end-to-end with `NeuralTrainer`. Returns the final branch loss.
    @discardableResult
    mutating func warmStart(
        from physics: some PathDecomposition, positions: [Point3], scale: Double,
        assignment: PathAssignment = .fixedPerPath, epochs: Int = 20, batchSize: Int = 256,
        learningRate: Double = 3e-3, seed: UInt64 = 1
    ) -> Double {
        fitBranches(
            physicsTargets(physics, positions: positions, scale: scale, assignment: assignment), epochs: epochs,
            batchSize: batchSize, learningRate: learningRate, seed: seed)
    }
}
