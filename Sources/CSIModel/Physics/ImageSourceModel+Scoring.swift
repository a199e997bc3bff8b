public import CSIChannel
import CSINumerics
import Numerics

extension ImageSourceModel {
    /// The localizer's candidate scoring (`ChannelModel.correlate`) in a fused Float32 form: per candidate, every
    /// source's per-antenna distances, gains and delays in Float64, the phasors' sines and cosines in Float32
    /// after a Float64 range reduction (`VectorMath.sinCosFloat`), the rotation across subcarriers and the
    /// correlation with H in Float32, eight antennas per vector — no channel is written.
    ///
    /// Float32 is safe here: the costs only rank grid candidates (a candidate λ₀/12 off the truth already costs
    /// ~10 % of the frame energy, rounding ~10⁻⁶ of it); every refinement uses the Float64 `evaluateWithJacobian`.
    /// Non-uniform subcarriers take the Float64 path (`MultipathAccumulator`).
    public func correlate(
        _ positions: UnsafeBufferPointer<Point3>, hRe: UnsafePointer<Double>, hIm: UnsafePointer<Double>,
        correlations: UnsafeMutablePointer<Double>, energies: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount
        guard na > 0, ns > 0, let df = SubcarrierPlan(frequencies: frequencies).uniformSpacing else {
            var acc = MultipathAccumulator(antennas: na, frequencies: frequencies)
            for (b, x) in positions.enumerated() {
                accumulate(at: x, into: &acc, normalised: true)
                energies[b] = acc.correlate(hRe: hRe, hIm: hIm, scale: 1 / scale, into: correlations + 2 * b * ns)
            }
            return
        }
        correlateFused(
            positions, offsets: frame.offsets, spacing: df, hRe: hRe, hIm: hIm, correlations: correlations,
            energies: energies)
    }

    /// The fused form runs on the kept antennas only when the subcarriers are evenly spaced.
    public var correlatesFewerAntennasFaster: Bool {
        antennaCount > 0 && subcarrierCount > 0 && SubcarrierPlan(frequencies: frequencies).uniformSpacing != nil
    }

    /// The same fused form on every `antennaStride`-th antenna (`ChannelModel.correlate(_:antennaStride:…)`): the
    /// kernel runs on the kept elements' offsets, so its work shrinks with them (eight antennas per vector).
    /// Non-uniform subcarriers evaluate the channels in Float64.
    public func correlate(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, hRe: UnsafePointer<Double>,
        hIm: UnsafePointer<Double>, correlations: UnsafeMutablePointer<Double>,
        energies: UnsafeMutablePointer<Double>, scratch: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(antennaStride >= 1, "the antenna stride must be positive")
        guard antennaStride > 1 else {
            correlate(
                positions, hRe: hRe, hIm: hIm, correlations: correlations, energies: energies, scratch: scratch)
            return
        }
        guard antennaCount > 0, subcarrierCount > 0, let df = SubcarrierPlan(frequencies: frequencies).uniformSpacing
        else {
            correlateByEvaluation(
                positions, antennaStride: antennaStride, hRe: hRe, hIm: hIm, correlations: correlations,
                energies: energies, scratch: scratch)
            return
        }
        correlateFused(
            positions, offsets: Swift.stride(from: 0, to: antennaCount, by: antennaStride).map { frame.offsets[$0] },
            spacing: df, hRe: hRe, hIm: hIm, correlations: correlations, energies: energies)
    }

    /// The fused kernel on the elements at `offsets` (all of the array's, or every n-th), H given on those.
    private func correlateFused(
        _ positions: UnsafeBufferPointer<Point3>, offsets: [SIMD3<Double>], spacing df: Double,
        hRe: UnsafePointer<Double>, hIm: UnsafePointer<Double>, correlations: UnsafeMutablePointer<Double>,
        energies: UnsafeMutablePointer<Double>
    ) {
        let ns = subcarrierCount
        let w = ScoringWorkspace(
            antennas: offsets.count, subcarriers: ns, hRe: hRe, hIm: hIm, offsets: offsets, sources: sources)
        for (b, x) in positions.enumerated() {
            accumulateFused(at: x, into: w, frequencies: frequencies, spacing: df)
            energies[b] = w.correlate(into: correlations + 2 * b * ns)
        }
    }

    /// The channel at `x` on `kept` subcarriers (evenly `spacing` Hz apart) into `w.tRe/tIm`: per source its
    /// geometry, then the phasors anchored exactly in Float64 every 64 subcarriers and rotated in between — up to
    /// `ScoringWorkspace.slots` sources at a time, so the channel is loaded and stored once per group, not per source.
    /// `sources` (default: all, in the model's order) is a range of `w.order`; the sum starts from `base` when given (a channel of the same
    /// layout holding the other sources' part), else from zero.
    func accumulateFused(
        at x: Point3, into w: ScoringWorkspace, frequencies kept: [Double], spacing: Double,
        sources range: Range<Int>? = nil, startingFrom base: (re: UnsafePointer<Float>, im: UnsafePointer<Float>)? = nil
    ) {
        let twoPiOverC = 2 * Double.pi / speedOfLight, k0 = twoPiOverC * carrier
        let block = 64
        let ks = kept.count
        let range = range ?? 0..<sources.count
        if range.isEmpty {
            if let base { w.copy(from: base) } else { w.clear() }
            return
        }
        // The gain map's cell is every path's.
        let cell = gainMap?.cell(at: x)
        var first = range.lowerBound
        while first < range.upperBound {
            let group = min(ScoringWorkspace.slots, range.upperBound - first)
            let opening = first == range.lowerBound
            for slot in 0..<group {
                let l = w.order[first + slot]
                var g =
                    (cell.map { gainMap!.value(path: l, cell: $0) } ?? w.gain(source: l, offset: x - gainReference))
                    * Complex(1 / scale, 0)
                if w.diffracted[l] {
                    // Diffracted paths read their edge from the source (rare, and costlier anyway).
                    let src = sources[l]
                    if let d = wedgeCoefficient(src, at: x) { g = g * d }
                    w.geometry(slot: slot, source: l, src, at: x, gain: g, phaseModel: phaseModel, k0: k0)
                } else if phaseModel == .spherical {
                    w.spherical(slot: slot, source: l, at: x, gain: g)
                } else {
                    w.geometry(slot: slot, source: l, sources[l], at: x, gain: g, phaseModel: phaseModel, k0: k0)
                }
            }
            var k = 0
            while k < ks {
                let k1 = min(ks, k + block)
                for slot in 0..<group { w.anchor(slot: slot, kf: twoPiOverC * kept[k], dk: twoPiOverC * spacing) }
                w.rotateAccumulate(
                    slots: group, from: k, to: k1, overwrite: opening && base == nil, base: opening ? base : nil)
                k = k1
            }
            first += group
        }
    }
}

extension ImageSourceModel {
    /// Whole channels in Float32 (`ChannelModel.evaluateSplit`) by the fused kernel of `correlate` on the kept
    /// antennas and subcarriers: the channel is accumulated in place in the output instead of correlated. Non-uniform
    /// subcarriers convert `evaluate`.
    public func evaluateSplit(
        _ positions: UnsafeBufferPointer<Point3>, antennaStride: Int, subcarrierStride: Int,
        re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount
        precondition(antennaStride >= 1 && subcarrierStride >= 1, "strides must be positive")
        guard na > 0, ns > 0, let df = SubcarrierPlan(frequencies: frequencies).uniformSpacing else {
            evaluateSplitByConversion(
                positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: re, im: im,
                scratch: scratch)
            return
        }
        let offsets = Swift.stride(from: 0, to: na, by: antennaStride).map { frame.offsets[$0] }
        let kept = Swift.stride(from: 0, to: ns, by: subcarrierStride).map { frequencies[$0] }
        let ka = offsets.count, ks = kept.count, n = ka * ks
        let w = ScoringWorkspace(
            antennas: ka, subcarriers: ks, hRe: nil, hIm: nil, offsets: offsets, sources: sources)
        for (b, x) in positions.enumerated() {
            w.tRe = re + b * n; w.tIm = im + b * n
            accumulateFused(at: x, into: w, frequencies: kept, spacing: df * Double(subcarrierStride))
        }
    }
}
