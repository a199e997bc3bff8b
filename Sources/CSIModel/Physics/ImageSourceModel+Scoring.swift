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
        let w = ScoringWorkspace(
            antennas: na, subcarriers: ns, hRe: hRe, hIm: hIm, offsets: frame.offsets, sources: sources)
        for (b, x) in positions.enumerated() {
            accumulateFused(at: x, into: w, frequencies: frequencies, spacing: df)
            energies[b] = w.correlate(into: correlations + 2 * b * ns)
        }
    }

    /// The channel at `x` on `kept` subcarriers (evenly `spacing` Hz apart) into `w.tRe/tIm`: per source its
    /// geometry, then the phasors anchored exactly in Float64 every 64 subcarriers and rotated in between.
    func accumulateFused(at x: Point3, into w: ScoringWorkspace, frequencies kept: [Double], spacing: Double) {
        let twoPiOverC = 2 * Double.pi / speedOfLight, k0 = twoPiOverC * carrier
        let block = 64
        let ks = kept.count
        w.clear()
        for (l, src) in sources.enumerated() {
            let g =
                (gainMap?.gain(path: l, at: x).value ?? src.gain(at: x, reference: gainReference))
                * Complex(1 / scale, 0)
            w.geometry(source: l, src, at: x, gain: g, phaseModel: phaseModel, k0: k0)
            var k = 0
            while k < ks {
                let k1 = min(ks, k + block)
                w.anchor(kf: twoPiOverC * kept[k], dk: twoPiOverC * spacing)
                w.rotateAccumulate(from: k, to: k1)
                k = k1
            }
        }
    }
}

extension ImageSourceModel {
    /// Whole channels in Float32 (`ChannelModel.evaluateSplit`) by the fused kernel of `correlate` on the kept
    /// antennas and subcarriers: the channel it accumulates is copied out instead of correlated. Non-uniform
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
            accumulateFused(at: x, into: w, frequencies: kept, spacing: df * Double(subcarrierStride))
            (re + b * n).update(from: w.tRe, count: n)
            (im + b * n).update(from: w.tIm, count: n)
        }
    }
}

/// Buffers of the fused Float32 scoring of one batch of candidates (allocated once per batch). A class with raw
/// storage: the kernels below run per source and candidate, where array accessors' uniqueness checks and closures
/// cost as much as the arithmetic.
final class ScoringWorkspace {
    let na: Int, ns: Int
    /// H, subcarrier-major and split, as Float32 (empty when only channels are written).
    let hRe: UnsafeMutablePointer<Float>, hIm: UnsafeMutablePointer<Float>
    let hasChannel: Bool
    /// Element offsets along the image array's axes, split per axis.
    let ox: UnsafeMutablePointer<Double>, oy: UnsafeMutablePointer<Double>, oz: UnsafeMutablePointer<Double>
    /// Every source's image elements in the scene frame, split per axis (source-major, N_a each): they do not
    /// depend on the candidate, so they are placed once per batch instead of once per candidate.
    let ex: UnsafeMutablePointer<Double>, ey: UnsafeMutablePointer<Double>, ez: UnsafeMutablePointer<Double>
    /// Per antenna of the current source: distance, amplitude (Float64), then the phasor and its step.
    let distance: UnsafeMutablePointer<Double>, ampRe: UnsafeMutablePointer<Double>
    let ampIm: UnsafeMutablePointer<Double>, dirPhase: UnsafeMutablePointer<Double>
    let phase: UnsafeMutablePointer<Double>, sines: UnsafeMutablePointer<Float>, cosines: UnsafeMutablePointer<Float>
    let curRe: UnsafeMutablePointer<Float>, curIm: UnsafeMutablePointer<Float>
    let stepRe: UnsafeMutablePointer<Float>, stepIm: UnsafeMutablePointer<Float>
    /// The candidate's channel, subcarrier-major and split.
    let tRe: UnsafeMutablePointer<Float>, tIm: UnsafeMutablePointer<Float>

    init(
        antennas: Int, subcarriers: Int, hRe h: UnsafePointer<Double>?, hIm hi: UnsafePointer<Double>?,
        offsets: [SIMD3<Double>], sources: [ImageSource]
    ) {
        na = antennas; ns = subcarriers
        let n = na * ns
        func floats(_ c: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(c, 1))
            p.initialize(repeating: 0, count: Swift.max(c, 1))
            return p
        }
        func doubles(_ c: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(c, 1))
            p.initialize(repeating: 0, count: Swift.max(c, 1))
            return p
        }
        hasChannel = h != nil && hi != nil
        hRe = floats(hasChannel ? n : 0); hIm = floats(hasChannel ? n : 0)
        if let h, let hi {
            for i in 0..<n { hRe[i] = Float(h[i]); hIm[i] = Float(hi[i]) }
        }
        ox = doubles(na); oy = doubles(na); oz = doubles(na)
        for (j, o) in offsets.prefix(na).enumerated() { ox[j] = o.x; oy[j] = o.y; oz[j] = o.z }
        ex = doubles(sources.count * na); ey = doubles(sources.count * na); ez = doubles(sources.count * na)
        for (l, s) in sources.enumerated() {
            let c = s.center, e1 = s.e1, e2 = s.e2, e3 = s.e3
            for j in 0..<na {
                ex[l * na + j] = c.x + e1.x * ox[j] + e2.x * oy[j] + e3.x * oz[j]
                ey[l * na + j] = c.y + e1.y * ox[j] + e2.y * oy[j] + e3.y * oz[j]
                ez[l * na + j] = c.z + e1.z * ox[j] + e2.z * oy[j] + e3.z * oz[j]
            }
        }
        distance = doubles(na); ampRe = doubles(na); ampIm = doubles(na); dirPhase = doubles(na)
        phase = doubles(2 * na); sines = floats(2 * na); cosines = floats(2 * na)
        curRe = floats(na); curIm = floats(na); stepRe = floats(na); stepIm = floats(na)
        tRe = floats(n); tIm = floats(n)
    }

    deinit {
        for p in [hRe, hIm, sines, cosines, curRe, curIm, stepRe, stepIm, tRe, tIm] { p.deallocate() }
        for p in [ox, oy, oz, ex, ey, ez, distance, ampRe, ampIm, dirPhase, phase] { p.deallocate() }
    }

    func clear() {
        tRe.update(repeating: 0, count: na * ns)
        tIm.update(repeating: 0, count: na * ns)
    }

    /// Distances (spherical: to each image element; plane wave: to the centre, plus each element's direction
    /// phase k₀·u·Δ) and amplitudes g/d of source `l` (`s`) at `x`.
    func geometry(
        source l: Int, _ s: ImageSource, at x: Point3, gain g: Complex<Double>, phaseModel: ArrayPhaseModel, k0: Double
    ) {
        let c = s.center, e1 = s.e1, e2 = s.e2, e3 = s.e3
        switch phaseModel {
        case .spherical:
            let px = ex + l * na, py = ey + l * na, pz = ez + l * na
            let gr = g.real, gi = g.imaginary
            for j in 0..<na {
                let dx = x.x - px[j], dy = x.y - py[j], dz = x.z - pz[j]
                let dist = (dx * dx + dy * dy + dz * dz).squareRoot()
                distance[j] = dist; dirPhase[j] = 0
                ampRe[j] = gr / dist; ampIm[j] = gi / dist
            }
        case .planeWave:
            let v = x - c, dist = v.length, u = v / dist
            let a = k0 * u.dot(e1), b = k0 * u.dot(e2), e = k0 * u.dot(e3)
            for j in 0..<na {
                distance[j] = dist
                dirPhase[j] = a * ox[j] + b * oy[j] + e * oz[j]
                ampRe[j] = g.real / dist; ampIm[j] = g.imaginary / dist
            }
        }
    }

    /// cur_j = amp_j·e^{j(φ_j − k_f d_j)}, step_j = e^{−j Δk d_j}.
    func anchor(kf: Double, dk: Double) {
        let n = na
        for j in 0..<n { phase[j] = dirPhase[j] - kf * distance[j]; phase[n + j] = -dk * distance[j] }
        VectorMath.sinCosFloat(phase, sin: sines, cos: cosines, count: 2 * n)
        for j in 0..<n {
            let sn = Double(sines[j]), cs = Double(cosines[j])
            curRe[j] = Float(ampRe[j] * cs - ampIm[j] * sn); curIm[j] = Float(ampRe[j] * sn + ampIm[j] * cs)
            stepRe[j] = cosines[n + j]; stepIm[j] = sines[n + j]
        }
    }

    /// For k in k0..<k1: t[k] += cur; cur *= step. Eight antennas at a time in SIMD registers (the phasors stay in
    /// registers across subcarriers), the rest one by one with the same arithmetic.
    func rotateAccumulate(from k0: Int, to k1: Int) {
        typealias V = SIMD8<Float>
        let n = na, size = MemoryLayout<Float>.stride
        let trRaw = UnsafeMutableRawPointer(tRe), tiRaw = UnsafeMutableRawPointer(tIm)
        var j0 = 0
        while j0 + 8 <= n {
            var re = UnsafeRawPointer(curRe + j0).loadUnaligned(as: V.self)
            var im = UnsafeRawPointer(curIm + j0).loadUnaligned(as: V.self)
            let stRe = UnsafeRawPointer(stepRe + j0).loadUnaligned(as: V.self)
            let stIm = UnsafeRawPointer(stepIm + j0).loadUnaligned(as: V.self)
            for k in k0..<k1 {
                let o = (k &* n &+ j0) &* size
                trRaw.storeBytes(
                    of: trRaw.loadUnaligned(fromByteOffset: o, as: V.self) + re, toByteOffset: o, as: V.self)
                tiRaw.storeBytes(
                    of: tiRaw.loadUnaligned(fromByteOffset: o, as: V.self) + im, toByteOffset: o, as: V.self)
                let nextRe = re * stRe - im * stIm
                im = re * stIm + im * stRe
                re = nextRe
            }
            UnsafeMutableRawPointer(curRe + j0).storeBytes(of: re, as: V.self)
            UnsafeMutableRawPointer(curIm + j0).storeBytes(of: im, as: V.self)
            j0 += 8
        }
        for j in j0..<n {
            var re = curRe[j], im = curIm[j]
            for k in k0..<k1 {
                tRe[k * n + j] += re; tIm[k * n + j] += im
                let nextRe = re * stepRe[j] - im * stepIm[j]
                im = re * stepIm[j] + im * stepRe[j]
                re = nextRe
            }
            curRe[j] = re; curIm[j] = im
        }
    }

    /// c_k = Σ_j conj(T_jk)·H_jk into `out` (Float64, interleaved); returns ‖T‖². Eight antennas per vector.
    func correlate(into out: UnsafeMutablePointer<Double>) -> Double {
        precondition(hasChannel, "a workspace without a measured channel cannot correlate")
        typealias V = SIMD8<Float>
        var energy = V.zero
        var tail: Float = 0
        let n = na, size = MemoryLayout<Float>.stride
        let tr = UnsafeRawPointer(tRe), ti = UnsafeRawPointer(tIm)
        let hr = UnsafeRawPointer(hRe), hi = UnsafeRawPointer(hIm)
        for k in 0..<ns {
            var cr = V.zero, ci = V.zero
            var j = 0
            while j + 8 <= n {
                let o = (k * n + j) * size
                let a = tr.loadUnaligned(fromByteOffset: o, as: V.self),
                    b = ti.loadUnaligned(fromByteOffset: o, as: V.self)
                let x = hr.loadUnaligned(fromByteOffset: o, as: V.self),
                    y = hi.loadUnaligned(fromByteOffset: o, as: V.self)
                cr += a * x + b * y; ci += a * y - b * x; energy += a * a + b * b
                j += 8
            }
            var sr = cr.sum(), si = ci.sum()
            while j < n {
                let a = tRe[k * n + j], b = tIm[k * n + j], x = hRe[k * n + j], y = hIm[k * n + j]
                sr += a * x + b * y; si += a * y - b * x; tail += a * a + b * b
                j += 1
            }
            out[2 * k] = Double(sr); out[2 * k + 1] = Double(si)
        }
        return Double(energy.sum() + tail)
    }
}
