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
        var w = ScoringWorkspace(antennas: na, subcarriers: ns, hRe: hRe, hIm: hIm, offsets: frame.offsets)
        let twoPiOverC = 2 * Double.pi / speedOfLight, k0 = twoPiOverC * carrier
        let block = 64 // exact Float64 re-anchor of the phasors every `block` subcarriers
        for (b, x) in positions.enumerated() {
            w.clear()
            for (l, src) in sources.enumerated() {
                let g =
                    (gainMap?.gain(path: l, at: x).value ?? src.gain(at: x, reference: gainReference))
                    * Complex(1 / scale, 0)
                w.geometry(source: src, at: x, gain: g, phaseModel: phaseModel, k0: k0)
                var k = 0
                while k < ns {
                    let k1 = min(ns, k + block)
                    w.anchor(kf: twoPiOverC * frequencies[k], dk: twoPiOverC * df)
                    w.rotateAccumulate(from: k, to: k1)
                    k = k1
                }
            }
            energies[b] = w.correlate(into: correlations + 2 * b * ns)
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
        var w = ScoringWorkspace(antennas: ka, subcarriers: ks, hRe: nil, hIm: nil, offsets: offsets)
        let twoPiOverC = 2 * Double.pi / speedOfLight, k0 = twoPiOverC * carrier
        let step = twoPiOverC * df * Double(subcarrierStride)
        let block = 64
        for (b, x) in positions.enumerated() {
            w.clear()
            for (l, src) in sources.enumerated() {
                let g =
                    (gainMap?.gain(path: l, at: x).value ?? src.gain(at: x, reference: gainReference))
                    * Complex(1 / scale, 0)
                w.geometry(source: src, at: x, gain: g, phaseModel: phaseModel, k0: k0)
                var k = 0
                while k < ks {
                    let k1 = min(ks, k + block)
                    w.anchor(kf: twoPiOverC * kept[k], dk: step)
                    w.rotateAccumulate(from: k, to: k1)
                    k = k1
                }
            }
            w.tRe.withUnsafeBufferPointer { (re + b * n).update(from: $0.baseAddress!, count: n) }
            w.tIm.withUnsafeBufferPointer { (im + b * n).update(from: $0.baseAddress!, count: n) }
        }
    }
}

/// Buffers of the fused Float32 scoring of one batch of candidates (allocated once per batch).
struct ScoringWorkspace {
    let na: Int, ns: Int
    /// H, subcarrier-major and split, as Float32.
    var hRe: [Float], hIm: [Float]
    /// Element offsets along the image array's axes, split per axis.
    let ox: [Double], oy: [Double], oz: [Double]
    /// Per antenna of the current source: distance, amplitude (Float64), then the phasor and its step.
    var distance: [Double], ampRe: [Double], ampIm: [Double], dirPhase: [Double]
    var phase: [Double], sines: [Float], cosines: [Float]
    var curRe: [Float], curIm: [Float], stepRe: [Float], stepIm: [Float]
    /// The candidate's channel, subcarrier-major and split.
    var tRe: [Float], tIm: [Float]

    init(
        antennas: Int, subcarriers: Int, hRe h: UnsafePointer<Double>?, hIm hi: UnsafePointer<Double>?,
        offsets: [SIMD3<Double>]
    ) {
        na = antennas; ns = subcarriers
        if let h, let hi {
            hRe = (0..<(na * ns)).map { Float(h[$0]) }; hIm = (0..<(na * ns)).map { Float(hi[$0]) }
        } else {
            hRe = []; hIm = []
        }
        ox = offsets.map(\.x); oy = offsets.map(\.y); oz = offsets.map(\.z)
        distance = .init(repeating: 0, count: na); ampRe = distance; ampIm = distance; dirPhase = distance
        phase = .init(repeating: 0, count: 2 * na)
        sines = .init(repeating: 0, count: 2 * na); cosines = sines
        curRe = .init(repeating: 0, count: na); curIm = curRe; stepRe = curRe; stepIm = curRe
        tRe = .init(repeating: 0, count: na * ns); tIm = tRe
    }

    mutating func clear() {
        tRe.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        tIm.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Distances (spherical: to each image element; plane wave: to the centre, plus each element's direction
    /// phase k₀·u·Δ) and amplitudes g/d of one source at `x`.
    mutating func geometry(
        source s: ImageSource, at x: Point3, gain g: Complex<Double>, phaseModel: ArrayPhaseModel, k0: Double
    ) {
        let n = na
        ox.withUnsafeBufferPointer { ox in
            oy.withUnsafeBufferPointer { oy in
                oz.withUnsafeBufferPointer { oz in
                    distance.withUnsafeMutableBufferPointer { d in
                        dirPhase.withUnsafeMutableBufferPointer { dp in
                            ampRe.withUnsafeMutableBufferPointer { ar in
                                ampIm.withUnsafeMutableBufferPointer { ai in
                                    let c = s.center, e1 = s.e1, e2 = s.e2, e3 = s.e3
                                    switch phaseModel {
                                    case .spherical:
                                        for j in 0..<n {
                                            let px = c.x + e1.x * ox[j] + e2.x * oy[j] + e3.x * oz[j]
                                            let py = c.y + e1.y * ox[j] + e2.y * oy[j] + e3.y * oz[j]
                                            let pz = c.z + e1.z * ox[j] + e2.z * oy[j] + e3.z * oz[j]
                                            let dx = x.x - px, dy = x.y - py, dz = x.z - pz
                                            let dist = (dx * dx + dy * dy + dz * dz).squareRoot()
                                            d[j] = dist; dp[j] = 0
                                            ar[j] = g.real / dist; ai[j] = g.imaginary / dist
                                        }
                                    case .planeWave:
                                        let v = x - c, dist = v.length, u = v / dist
                                        let a = k0 * u.dot(e1), b = k0 * u.dot(e2), e = k0 * u.dot(e3)
                                        for j in 0..<n {
                                            d[j] = dist
                                            dp[j] = a * ox[j] + b * oy[j] + e * oz[j]
                                            ar[j] = g.real / dist; ai[j] = g.imaginary / dist
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// cur_j = amp_j·e^{j(φ_j − k_f d_j)}, step_j = e^{−j Δk d_j}.
    mutating func anchor(kf: Double, dk: Double) {
        let n = na
        phase.withUnsafeMutableBufferPointer { ph in
            dirPhase.withUnsafeBufferPointer { dp in
                distance.withUnsafeBufferPointer { d in
                    for j in 0..<n { ph[j] = dp[j] - kf * d[j]; ph[n + j] = -dk * d[j] }
                }
            }
            sines.withUnsafeMutableBufferPointer { sb in
                cosines.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCosFloat(ph.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: 2 * n)
                }
            }
        }
        sines.withUnsafeBufferPointer { sb in
            cosines.withUnsafeBufferPointer { cb in
                ampRe.withUnsafeBufferPointer { ar in
                    ampIm.withUnsafeBufferPointer { ai in
                        curRe.withUnsafeMutableBufferPointer { cr in
                            curIm.withUnsafeMutableBufferPointer { ci in
                                stepRe.withUnsafeMutableBufferPointer { sr in
                                    stepIm.withUnsafeMutableBufferPointer { si in
                                        for j in 0..<n {
                                            let sn = Double(sb[j]), cs = Double(cb[j])
                                            cr[j] = Float(ar[j] * cs - ai[j] * sn);
                                            ci[j] = Float(ar[j] * sn + ai[j] * cs)
                                            sr[j] = cb[n + j]; si[j] = sb[n + j]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// For k in k0..<k1: t[k] += cur; cur *= step. Eight antennas at a time in SIMD registers (the phasors stay in
    /// registers across subcarriers), the rest one by one with the same arithmetic.
    mutating func rotateAccumulate(from k0: Int, to k1: Int) {
        typealias V = SIMD8<Float>
        let n = na, size = MemoryLayout<Float>.stride
        curRe.withUnsafeMutableBufferPointer { cr in
            curIm.withUnsafeMutableBufferPointer { ci in
                stepRe.withUnsafeBufferPointer { sr in
                    stepIm.withUnsafeBufferPointer { si in
                        tRe.withUnsafeMutableBufferPointer { tr in
                            tIm.withUnsafeMutableBufferPointer { ti in
                                let trRaw = UnsafeMutableRawPointer(tr.baseAddress!),
                                    tiRaw = UnsafeMutableRawPointer(ti.baseAddress!)
                                var j0 = 0
                                while j0 + 8 <= n {
                                    var re = UnsafeRawPointer(cr.baseAddress! + j0).loadUnaligned(as: V.self)
                                    var im = UnsafeRawPointer(ci.baseAddress! + j0).loadUnaligned(as: V.self)
                                    let stRe = UnsafeRawPointer(sr.baseAddress! + j0).loadUnaligned(as: V.self)
                                    let stIm = UnsafeRawPointer(si.baseAddress! + j0).loadUnaligned(as: V.self)
                                    for k in k0..<k1 {
                                        let o = (k * n + j0) * size
                                        trRaw.storeBytes(
                                            of: trRaw.loadUnaligned(fromByteOffset: o, as: V.self) + re,
                                            toByteOffset: o, as: V.self)
                                        tiRaw.storeBytes(
                                            of: tiRaw.loadUnaligned(fromByteOffset: o, as: V.self) + im,
                                            toByteOffset: o, as: V.self)
                                        let nextRe = re * stRe - im * stIm
                                        im = re * stIm + im * stRe
                                        re = nextRe
                                    }
                                    UnsafeMutableRawPointer(cr.baseAddress! + j0).storeBytes(of: re, as: V.self)
                                    UnsafeMutableRawPointer(ci.baseAddress! + j0).storeBytes(of: im, as: V.self)
                                    j0 += 8
                                }
                                for j in j0..<n {
                                    var re = cr[j], im = ci[j]
                                    for k in k0..<k1 {
                                        tr[k * n + j] += re; ti[k * n + j] += im
                                        let nextRe = re * sr[j] - im * si[j]
                                        im = re * si[j] + im * sr[j]
                                        re = nextRe
                                    }
                                    cr[j] = re; ci[j] = im
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// c_k = Σ_j conj(T_jk)·H_jk into `out` (Float64, interleaved); returns ‖T‖². Eight antennas per vector.
    func correlate(into out: UnsafeMutablePointer<Double>) -> Double {
        typealias V = SIMD8<Float>
        var energy = V.zero
        var tail: Float = 0
        let n = na, size = MemoryLayout<Float>.stride
        tRe.withUnsafeBufferPointer { trb in
            tIm.withUnsafeBufferPointer { tib in
                hRe.withUnsafeBufferPointer { hrb in
                    hIm.withUnsafeBufferPointer { hib in
                        let tr = UnsafeRawPointer(trb.baseAddress!), ti = UnsafeRawPointer(tib.baseAddress!)
                        let hr = UnsafeRawPointer(hrb.baseAddress!), hi = UnsafeRawPointer(hib.baseAddress!)
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
                                let a = trb[k * n + j], b = tib[k * n + j], x = hrb[k * n + j], y = hib[k * n + j]
                                sr += a * x + b * y; si += a * y - b * x; tail += a * a + b * b
                                j += 1
                            }
                            out[2 * k] = Double(sr); out[2 * k + 1] = Double(si)
                        }
                    }
                }
            }
        }
        return Double(energy.sum() + tail)
    }
}
