import Numerics
import CSINumerics

/// The exact multipath channel of a `Scene` by the image-source method:
///
///   h_{j,k}(x) = Σ_l Γ_l · g_j(u_l) / d_{l,j}(x) · exp(−j 2π f_k d_{l,j}(x) / c),
///
/// with d_{l,j} the unfolded length of path l from antenna j (distance to its image), Γ_l the product of
/// reflection coefficients, and g_j the element pattern toward the departure direction u_l. Paths that do
/// not reach x (a bounce outside a finite plane, or the direct path inside an NLoS region) are omitted.
///
/// Float64 throughout. Across subcarriers the phase is advanced by rotation (one complex multiply per
/// entry) when the subcarriers are evenly spaced, re-anchored with an exact sin/cos every 64 steps so
/// that rounding never accumulates past ~1e-14.
public struct ChannelSimulator: ChannelModel {
    public let scene: Scene
    public let paths: [PropagationPath]
    public let antennaPositions: [Point3]
    public let frequencies: [Double]
    let uniformSpacing: Double?
    let hasPattern: Bool

    /// Steps between exact re-anchors of the rotated phasor.
    static let reanchorInterval = 64

    public init(scene: Scene) {
        self.scene = scene
        self.paths = PropagationPath.enumerate(in: scene)
        self.antennaPositions = scene.array.positions
        self.frequencies = scene.subcarriers.frequencies
        self.uniformSpacing = scene.subcarriers.uniformSpacing
        self.hasPattern = scene.array.pattern != .isotropic
    }

    /// Which paths reach `x` from antenna 0 (used for LoS labels and diagnostics).
    public func pathsReaching(_ x: Point3) -> [PropagationPath] {
        paths.filter { p in
            !(p.order == 0 && scene.isLineOfSightBlocked(at: x)) && p.reaches(x, antenna: 0, planes: scene.planes)
        }
    }

    /// Whether the direct path reaches `x` (the `los` label of datasets).
    public func hasLineOfSight(at x: Point3) -> Bool { !scene.isLineOfSightBlocked(at: x) }

    public func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        let stride = valuesPerChannel
        precondition(output.count >= positions.count * stride, "output buffer too small")
        var scratch = Scratch(antennas: antennaCount, subcarriers: subcarrierCount)
        for (b, x) in positions.enumerated() {
            accumulate(at: x, scratch: &scratch)
            scratch.writeTransposed(into: output.baseAddress! + b * stride)
        }
    }

    /// Evaluates into complex64 (interleaved Float), the dataset and wire format. Uses the same Float64
    /// computation and rounds once at the end.
    public func evaluateFloat(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Float>) {
        let stride = valuesPerChannel
        precondition(output.count >= positions.count * stride, "output buffer too small")
        var scratch = Scratch(antennas: antennaCount, subcarriers: subcarrierCount)
        for (b, x) in positions.enumerated() {
            accumulate(at: x, scratch: &scratch)
            scratch.writeTransposed(into: output.baseAddress! + b * stride)
        }
    }

    /// Sums every path's contribution at `x` into `scratch.tRe/tIm` (subcarrier-major, Ns × Na).
    func accumulate(at x: Point3, scratch s: inout Scratch) {
        let na = antennaCount, ns = subcarrierCount
        s.clear()
        let planes = scene.planes
        let losBlocked = scene.isLineOfSightBlocked(at: x)
        let twoPiOverC = 2 * Double.pi / speedOfLight
        let f0 = frequencies.first ?? 0
        for path in paths {
            if path.order == 0 && losBlocked { continue }
            var any = false
            for j in 0..<na {
                guard path.reaches(x, antenna: j, planes: planes) else { s.amp[j] = 0; continue }
                let delta = x - path.images[j]
                let d = delta.length
                var a = 1 / d
                if hasPattern {
                    a *= scene.array.pattern.gain(toward: path.linear.applyTransposed(delta / d))
                }
                s.amp[j] = a
                s.dist[j] = d
                any = any || a != 0
            }
            if !any { continue }
            let g = path.gain
            if let df = uniformSpacing {
                // Phasor at f_k: A·exp(−j 2π f_k d / c); step exp(−j 2π Δf d / c).
                var k0 = 0
                while k0 < ns {
                    let fk0 = f0 + Double(k0) * df
                    for j in 0..<na {
                        let d = s.dist[j], a = s.amp[j]
                        if a == 0 { s.curRe[j] = 0; s.curIm[j] = 0; s.stepRe[j] = 1; s.stepIm[j] = 0; continue }
                        let (sn, cs) = sinCos(-twoPiOverC * fk0 * d)
                        // Γ · a · e^{jφ}
                        s.curRe[j] = a * (g.real * cs - g.imaginary * sn)
                        s.curIm[j] = a * (g.real * sn + g.imaginary * cs)
                        let (ss, sc) = sinCos(-twoPiOverC * df * d)
                        s.stepRe[j] = sc; s.stepIm[j] = ss
                    }
                    let k1 = min(ns, k0 + Self.reanchorInterval)
                    s.rotateAccumulate(from: k0, to: k1)
                    k0 = k1
                }
            } else {
                for k in 0..<ns {
                    let fk = frequencies[k]
                    for j in 0..<na {
                        let a = s.amp[j]
                        if a == 0 { continue }
                        let (sn, cs) = sinCos(-twoPiOverC * fk * s.dist[j])
                        s.tRe[k * na + j] += a * (g.real * cs - g.imaginary * sn)
                        s.tIm[k * na + j] += a * (g.real * sn + g.imaginary * cs)
                    }
                }
            }
        }
    }
}

/// Per-thread working memory of the simulator, allocated once per batch.
struct Scratch {
    let na: Int, ns: Int
    var amp: [Double], dist: [Double]
    var curRe: [Double], curIm: [Double], stepRe: [Double], stepIm: [Double]
    /// Accumulated channel, subcarrier-major (k·N_a + j), so the inner loop over antennas is contiguous.
    var tRe: [Double], tIm: [Double]

    init(antennas: Int, subcarriers: Int) {
        na = antennas; ns = subcarriers
        amp = .init(repeating: 0, count: na); dist = .init(repeating: 0, count: na)
        curRe = amp; curIm = amp; stepRe = amp; stepIm = amp
        tRe = .init(repeating: 0, count: na * ns); tIm = tRe
    }

    mutating func clear() {
        tRe.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        tIm.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// For k in k0..<k1: t[k] += cur; cur *= step — vectorised across antennas.
    mutating func rotateAccumulate(from k0: Int, to k1: Int) {
        let na = self.na
        curRe.withUnsafeMutableBufferPointer { cr in
        curIm.withUnsafeMutableBufferPointer { ci in
        stepRe.withUnsafeBufferPointer { sr in
        stepIm.withUnsafeBufferPointer { si in
        tRe.withUnsafeMutableBufferPointer { tr in
        tIm.withUnsafeMutableBufferPointer { ti in
            for k in k0..<k1 {
                let base = k * na
                for j in 0..<na {
                    let re = cr[j], im = ci[j]
                    tr[base + j] += re
                    ti[base + j] += im
                    cr[j] = re * sr[j] - im * si[j]
                    ci[j] = re * si[j] + im * sr[j]
                }
            }
        }}}}}}
    }

    /// Writes the accumulated channel antenna-major and interleaved.
    func writeTransposed(into out: UnsafeMutablePointer<Double>) {
        for j in 0..<na {
            let row = out + 2 * j * ns
            for k in 0..<ns {
                row[2 * k] = tRe[k * na + j]
                row[2 * k + 1] = tIm[k * na + j]
            }
        }
    }

    func writeTransposed(into out: UnsafeMutablePointer<Float>) {
        for j in 0..<na {
            let row = out + 2 * j * ns
            for k in 0..<ns {
                row[2 * k] = Float(tRe[k * na + j])
                row[2 * k + 1] = Float(tIm[k * na + j])
            }
        }
    }
}
