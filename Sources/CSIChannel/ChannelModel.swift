/// Anything that maps receiver locations to channel matrices H(x) ∈ ℂ^{N_a×N_s}, with derivatives.
///
/// This is the seam between physics, learning and search: the exact simulator (an oracle), fitted
/// image-source models and neural models all conform, and the localizer, `eval` and the benchmarks take
/// any of them.
///
/// Layout of every channel buffer: antenna-major, interleaved — element (j, k) of location b is at
/// `2·((b·N_a + j)·N_s + k)` (real) and `+1` (imaginary).
public protocol ChannelModel: Sendable {
    /// Antenna positions in the scene frame (N_a of them).
    var antennaPositions: [Point3] { get }
    /// Subcarrier frequencies, Hz (N_s of them).
    var frequencies: [Double] { get }

    /// Whether the model *is* the scene (the exact simulator used as an oracle): its error is zero everywhere,
    /// so a frame's residual at the truth is its noise alone. Trained models answer false and record their error
    /// in a quality map instead (`ModelQualityMap`).
    var isOracle: Bool { get }

    /// Writes H(x) for every position into `output` (2·N_a·N_s Doubles per position).
    func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>)

    /// Writes H(x) into `value` (2·N_a·N_s Doubles) and ∂H/∂x_c for c = x, y, z into `jacobian`
    /// (3 consecutive blocks of 2·N_a·N_s Doubles, same layout as H).
    func evaluateWithJacobian(
        at position: Point3, value: UnsafeMutableBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>)

    /// What a search needs to score candidates against a measured channel H, without the channels themselves:
    /// for each position b, the per-subcarrier correlations c_bk = Σ_j conj(F_jk(x_b))·H_jk (N_s complex,
    /// interleaved, at `correlations + 2·b·N_s`) and the energy ‖F(x_b)‖² (`energies[b]`).
    /// `hRe`/`hIm` hold H subcarrier-major and split (element (j, k) at k·N_a + j, as `NuisanceMatch` keeps it).
    /// `scratch` has room for `positions.count · valuesPerChannel` Doubles. The default evaluates the channels
    /// into `scratch` and correlates them; models with a cheaper fused form (no channel written) override it.
    func correlate(
        _ positions: UnsafeBufferPointer<Point3>, hRe: UnsafePointer<Double>, hIm: UnsafePointer<Double>,
        correlations: UnsafeMutablePointer<Double>, energies: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutableBufferPointer<Double>)

    /// `correlate` on every `antennaStride`-th antenna (from the first) only — for searches that merely rank
    /// candidates: `hRe`/`hIm` hold H on the kept antennas (element (j', k) at k·n_a + j', n_a = ⌈N_a/antennaStride⌉),
    /// the correlations and energies are sums over them. The default evaluates the channels into `scratch` (room for
    /// `positions.count · valuesPerChannel` Doubles); stride 1 is `correlate`.
    func correlate(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, hRe: UnsafePointer<Double>,
        hIm: UnsafePointer<Double>, correlations: UnsafeMutablePointer<Double>,
        energies: UnsafeMutablePointer<Double>, scratch: UnsafeMutableBufferPointer<Double>)

    /// H(x) for every position in Float32, subcarrier-major and split, on every `antennaStride`-th antenna and
    /// every `subcarrierStride`-th subcarrier (from the first): with n_a = ⌈N_a/antennaStride⌉ and
    /// n_s = ⌈N_s/subcarrierStride⌉, element (j, k) of the kept ones for position b is at `re[(b·n_s + k)·n_a + j]`
    /// and `im[…]` — for searches that need whole channels only to rank candidates. `scratch` has room for
    /// `positions.count · valuesPerChannel` Doubles. The default converts `evaluate`; models with a cheaper fused
    /// Float32 form override it.
    func evaluateSplit(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, subcarrierStride: Int,
        re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Double>)
    /// `evaluateSplit` (same layout and arguments) for positions that come in consecutive groups of `pointsPerCircle`,
    /// each group on one circle about `axis` (one axial coordinate and one distance from it; the last group may be
    /// shorter): a model may evaluate what is the same all around such a circle — a path from points of the axis
    /// with a gain that does not vary — once per group. The values are `evaluateSplit`'s to Float32 rounding; a group
    /// not on one circle is evaluated point by point. The default is `evaluateSplit`.
    func evaluateSplit(
        onCircles positions: UnsafeBufferPointer<Point3>, pointsPerCircle: Int, about axis: AxisLine,
        antennaStride: Int, subcarrierStride: Int, re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutableBufferPointer<Double>)
    /// For a composite model (a correction on top of a cheaper base, e.g. a network on the image sources), the
    /// base: searches may rank grid candidates and run refinements with it, then polish the fix with the full model.
    /// nil (the default) otherwise.
    var scoringBase: (any ChannelModel)? { get }
    /// Whether `correlate(_:antennaStride:…)` costs less with fewer antennas (a fused form on the kept ones): only
    /// then do searches choose to rank candidates on a subset by themselves. false (the default) for models whose
    /// strided correlation evaluates every antenna anyway.
    var correlatesFewerAntennasFaster: Bool { get }
}

extension ChannelModel {
    /// No base: the model is scored by itself.
    public var scoringBase: (any ChannelModel)? { nil }
    /// The default strided correlation evaluates every antenna.
    public var correlatesFewerAntennasFaster: Bool { false }
    /// Trained models are not the scene itself.
    public var isOracle: Bool { false }
    public func evaluateSplit(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, subcarrierStride: Int,
        re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Double>
    ) {
        evaluateSplitByConversion(
            positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: re, im: im,
            scratch: scratch)
    }

    /// Point by point: nothing is shared around a circle.
    public func evaluateSplit(
        onCircles positions: UnsafeBufferPointer<Point3>, pointsPerCircle: Int, about axis: AxisLine,
        antennaStride: Int, subcarrierStride: Int, re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutableBufferPointer<Double>
    ) {
        evaluateSplit(
            positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: re, im: im,
            scratch: scratch)
    }

    /// `evaluateSplit` through `evaluate` (Float64, antenna-major, interleaved) and a conversion.
    public func evaluateSplitByConversion(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int = 1, subcarrierStride: Int = 1,
        re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount, stride = valuesPerChannel
        precondition(antennaStride >= 1 && subcarrierStride >= 1, "strides must be positive")
        precondition(scratch.count >= positions.count * stride, "scratch buffer too small")
        let ka = (na + antennaStride - 1) / antennaStride, ks = (ns + subcarrierStride - 1) / subcarrierStride
        evaluate(positions, into: scratch)
        for b in 0..<positions.count {
            let f = scratch.baseAddress! + b * stride
            for jj in 0..<ka {
                let j = jj * antennaStride
                for kk in 0..<ks {
                    let k = kk * subcarrierStride, o = (b * ks + kk) * ka + jj
                    re[o] = Float(f[2 * (j * ns + k)]); im[o] = Float(f[2 * (j * ns + k) + 1])
                }
            }
        }
    }
    /// Generic correlation: evaluates the channels into `scratch`, then correlates them with H (subcarrier-major).
    public func correlate(
        _ positions: UnsafeBufferPointer<Point3>, hRe: UnsafePointer<Double>, hIm: UnsafePointer<Double>,
        correlations: UnsafeMutablePointer<Double>, energies: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutableBufferPointer<Double>
    ) {
        correlateByEvaluation(
            positions, antennaStride: 1, hRe: hRe, hIm: hIm, correlations: correlations, energies: energies,
            scratch: scratch)
    }

    /// Stride 1 is the model's `correlate` (its fused form, if it has one); else `correlateByEvaluation`.
    public func correlate(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, hRe: UnsafePointer<Double>,
        hIm: UnsafePointer<Double>, correlations: UnsafeMutablePointer<Double>,
        energies: UnsafeMutablePointer<Double>, scratch: UnsafeMutableBufferPointer<Double>
    ) {
        if antennaStride == 1 {
            correlate(
                positions, hRe: hRe, hIm: hIm, correlations: correlations, energies: energies, scratch: scratch)
        } else {
            correlateByEvaluation(
                positions, antennaStride: antennaStride, hRe: hRe, hIm: hIm, correlations: correlations,
                energies: energies, scratch: scratch)
        }
    }

    /// `correlate` on every `antennaStride`-th antenna through `evaluate` (Float64): the channels go to `scratch`,
    /// then their kept antennas are correlated with H (given on those, subcarrier-major and split).
    public func correlateByEvaluation(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, hRe: UnsafePointer<Double>,
        hIm: UnsafePointer<Double>, correlations: UnsafeMutablePointer<Double>,
        energies: UnsafeMutablePointer<Double>, scratch: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount, stride = valuesPerChannel
        precondition(antennaStride >= 1, "the antenna stride must be positive")
        precondition(scratch.count >= positions.count * stride, "scratch buffer too small")
        let ka = (na + antennaStride - 1) / antennaStride
        evaluate(positions, into: scratch)
        for b in 0..<positions.count {
            let f = scratch.baseAddress! + b * stride, c = correlations + 2 * b * ns
            var e = 0.0
            for k in 0..<ns { c[2 * k] = 0; c[2 * k + 1] = 0 }
            for jj in 0..<ka {
                let j = jj * antennaStride
                for k in 0..<ns {
                    let fr = f[2 * (j * ns + k)], fi = f[2 * (j * ns + k) + 1]
                    let hr = hRe[k * ka + jj], hi = hIm[k * ka + jj]
                    e += fr * fr + fi * fi
                    c[2 * k] += fr * hr + fi * hi; c[2 * k + 1] += fr * hi - fi * hr
                }
            }
            energies[b] = e
        }
    }

    /// N_a.
    public var antennaCount: Int { antennaPositions.count }
    /// N_s.
    public var subcarrierCount: Int { frequencies.count }
    /// Doubles per channel matrix (2·N_a·N_s).
    public var valuesPerChannel: Int { 2 * antennaCount * subcarrierCount }

    /// H(x) for each position, as a new array (see the protocol for the layout).
    public func channels(at positions: [Point3]) -> [Double] {
        var out = [Double](repeating: 0, count: positions.count * valuesPerChannel)
        positions.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { evaluate(p, into: $0) } }
        return out
    }

    /// Checks that `value` and `jacobian` have room for one channel and its Jacobian (the layout of
    /// `evaluateWithJacobian`), zeroes them and returns their base addresses: the start of a model that sums
    /// its paths into them.
    package func zeroedJacobianOutputs(
        value: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>
    ) -> (value: UnsafeMutablePointer<Double>, jacobian: UnsafeMutablePointer<Double>) {
        let stride = valuesPerChannel
        precondition(value.count >= stride && jacobian.count >= 3 * stride, "output buffers too small")
        value.update(repeating: 0)
        jacobian.update(repeating: 0)
        return (value.baseAddress!, jacobian.baseAddress!)
    }

    /// H(x) and its Jacobian at one position.
    public func channelAndJacobian(at position: Point3) -> (value: [Double], jacobian: [Double]) {
        var v = [Double](repeating: 0, count: valuesPerChannel)
        var j = [Double](repeating: 0, count: 3 * valuesPerChannel)
        v.withUnsafeMutableBufferPointer { vb in
            j.withUnsafeMutableBufferPointer { jb in evaluateWithJacobian(at: position, value: vb, jacobian: jb) }
        }
        return (v, j)
    }
}
