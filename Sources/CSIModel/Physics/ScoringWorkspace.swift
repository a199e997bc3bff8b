import CSIChannel
import CSINumerics
import Numerics

/// Buffers of the fused Float32 scoring of one batch of candidates (allocated once per batch). A class with raw
/// storage: the kernels below run per source and candidate, where array accessors' uniqueness checks and closures
/// cost as much as the arithmetic.
final class ScoringWorkspace {
    /// Sources rotated together (`rotateAccumulate(slots:from:to:overwrite:)`): three keep their phasors, steps and the
    /// channel's eight antennas in 14 of the 16 AVX2 vector registers.
    static let slots = 3
    let na: Int, ns: Int
    /// H, subcarrier-major and split, as Float32 (empty when only channels are written).
    let hRe: UnsafeMutablePointer<Float>, hIm: UnsafeMutablePointer<Float>
    let hasChannel: Bool
    /// Element offsets along the image array's axes, split per axis.
    let ox: UnsafeMutablePointer<Double>, oy: UnsafeMutablePointer<Double>, oz: UnsafeMutablePointer<Double>
    /// Every source's image elements in the scene frame, split per axis (source-major, N_a each): they do not
    /// depend on the candidate, so they are placed once per batch instead of once per candidate.
    let ex: UnsafeMutablePointer<Double>, ey: UnsafeMutablePointer<Double>, ez: UnsafeMutablePointer<Double>
    /// Per slot (a source of the current group, N_a each) and antenna: distance, amplitude (Float64), then the
    /// phasor and its step.
    let distance: UnsafeMutablePointer<Double>, ampRe: UnsafeMutablePointer<Double>
    let ampIm: UnsafeMutablePointer<Double>, dirPhase: UnsafeMutablePointer<Double>
    let phase: UnsafeMutablePointer<Double>, sines: UnsafeMutablePointer<Float>, cosines: UnsafeMutablePointer<Float>
    let curRe: UnsafeMutablePointer<Float>, curIm: UnsafeMutablePointer<Float>
    let stepRe: UnsafeMutablePointer<Float>, stepIm: UnsafeMutablePointer<Float>
    /// The candidate's channel, subcarrier-major and split: the workspace's own buffers, or a caller's output
    /// (`evaluateSplit` points them at each position's channel, so it is written in place, not copied).
    var tRe: UnsafeMutablePointer<Float>, tIm: UnsafeMutablePointer<Float>
    let ownRe: UnsafeMutablePointer<Float>, ownIm: UnsafeMutablePointer<Float>
    /// Per source: whether it bends around an edge, and its gain and gain slopes (read here rather than from the
    /// `ImageSource`, whose copy per candidate and source cost as much as the geometry).
    let diffracted: [Bool]
    let gains: [Complex<Double>], slopes: [(Complex<Double>, Complex<Double>, Complex<Double>)]
    /// The orders in which `ImageSourceModel.accumulateFused` takes the sources — it accumulates a range of this
    /// list: the model's order (`order[0..<P]`), then room for a caller's grouping (`order[P..<2P]`, e.g. the paths
    /// shared around a circle first; the model's order until set).
    let order: UnsafeMutablePointer<Int>

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
            for j in 0..<na {
                let p = s.element(SIMD3(ox[j], oy[j], oz[j]))
                ex[l * na + j] = p.x; ey[l * na + j] = p.y; ez[l * na + j] = p.z
            }
        }
        let m = Self.slots * na
        distance = doubles(m); ampRe = doubles(m); ampIm = doubles(m); dirPhase = doubles(m)
        phase = doubles(2 * na); sines = floats(2 * na); cosines = floats(2 * na)
        curRe = floats(m); curIm = floats(m); stepRe = floats(m); stepIm = floats(m)
        ownRe = floats(n); ownIm = floats(n)
        tRe = ownRe; tIm = ownIm
        diffracted = sources.map { $0.edge != nil }
        gains = sources.map(\.gain); slopes = sources.map(\.gainSlope)
        order = .allocate(capacity: Swift.max(2 * sources.count, 1))
        for l in 0..<sources.count { order[l] = l; order[sources.count + l] = l }
    }

    /// Gain of source `l` at offset `d` from the gain reference (`ImageSource.gain(at:reference:)`, same arithmetic).
    @inline(__always) func gain(source l: Int, offset d: Point3) -> Complex<Double> {
        let s = slopes[l]
        return gains[l] + s.0 * Complex(d.x, 0) + s.1 * Complex(d.y, 0) + s.2 * Complex(d.z, 0)
    }

    deinit {
        for p in [hRe, hIm, sines, cosines, curRe, curIm, stepRe, stepIm, ownRe, ownIm] { p.deallocate() }
        for p in [ox, oy, oz, ex, ey, ez, distance, ampRe, ampIm, dirPhase, phase] { p.deallocate() }
        order.deallocate()
    }

    func clear() {
        tRe.update(repeating: 0, count: na * ns)
        tIm.update(repeating: 0, count: na * ns)
    }

    /// The channel set to `base` (same layout).
    func copy(from base: (re: UnsafePointer<Float>, im: UnsafePointer<Float>)) {
        tRe.update(from: base.re, count: na * ns)
        tIm.update(from: base.im, count: na * ns)
    }

    /// Distances (spherical: to each image element; a diffracted path: its length around the edge; plane wave: to
    /// the centre, plus each element's direction
    /// phase k₀·u·Δ) and amplitudes g/d (a diffracted path: g/r, r its spreading, `EdgeLine.spreading`) of source
    /// `l` (`s`) at `x`, into `slot`.
    func geometry(
        slot: Int, source l: Int, _ s: ImageSource, at x: Point3, gain g: Complex<Double>,
        phaseModel: ArrayPhaseModel, k0: Double
    ) {
        let c = s.center, e1 = s.e1, e2 = s.e2, e3 = s.e3
        let o = slot * na
        let distance = self.distance + o, ampRe = self.ampRe + o, ampIm = self.ampIm + o
        let dirPhase = self.dirPhase + o
        if let edge = s.edge {
            // A diffracted path: spherical from each element unfolded about the edge as seen from x.
            let px = ex + l * na, py = ey + l * na, pz = ez + l * na
            let (ax, rx) = edge.coordinates(x), rhoX = rx.length
            for j in 0..<na {
                let e = Point3(px[j], py[j], pz[j])
                let dist = edge.pathLength(from: e, toAlong: ax, radius: rhoX)
                let r = edge.spreadingDivisor(from: e, toAlong: ax, radius: rhoX)
                distance[j] = dist; dirPhase[j] = 0
                ampRe[j] = g.real / r; ampIm[j] = g.imaginary / r
            }
            return
        }
        switch phaseModel {
        case .spherical:
            spherical(slot: slot, source: l, at: x, gain: g)
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

    /// Spherical wavefronts from each image element of source `l` to `x`: distances and amplitudes g/d into `slot`,
    /// four antennas per Float64 vector (the tail one at a time with the same operations, so every antenna's values
    /// are the same whatever its position). One division per antenna: the reciprocal of the distance.
    func spherical(slot: Int, source l: Int, at x: Point3, gain g: Complex<Double>) {
        typealias D = SIMD4<Double>
        let o = slot * na, size = MemoryLayout<Double>.stride
        let px = UnsafeRawPointer(ex + l * na), py = UnsafeRawPointer(ey + l * na), pz = UnsafeRawPointer(ez + l * na)
        let dOut = UnsafeMutableRawPointer(distance + o), pOut = UnsafeMutableRawPointer(dirPhase + o)
        let rOut = UnsafeMutableRawPointer(ampRe + o), iOut = UnsafeMutableRawPointer(ampIm + o)
        let xv = D(repeating: x.x), yv = D(repeating: x.y), zv = D(repeating: x.z)
        let gr = D(repeating: g.real), gi = D(repeating: g.imaginary)
        var j = 0
        while j + 4 <= na {
            let b = j * size
            let dx = xv - px.loadUnaligned(fromByteOffset: b, as: D.self)
            let dy = yv - py.loadUnaligned(fromByteOffset: b, as: D.self)
            let dz = zv - pz.loadUnaligned(fromByteOffset: b, as: D.self)
            let dist = (dx * dx + dy * dy + dz * dz).squareRoot(), inverse = 1 / dist
            dOut.storeBytes(of: dist, toByteOffset: b, as: D.self)
            pOut.storeBytes(of: .zero, toByteOffset: b, as: D.self)
            rOut.storeBytes(of: gr * inverse, toByteOffset: b, as: D.self)
            iOut.storeBytes(of: gi * inverse, toByteOffset: b, as: D.self)
            j += 4
        }
        let sx = ex + l * na, sy = ey + l * na, sz = ez + l * na
        while j < na {
            let dx = x.x - sx[j], dy = x.y - sy[j], dz = x.z - sz[j]
            let dist = (dx * dx + dy * dy + dz * dz).squareRoot(), inverse = 1 / dist
            distance[o + j] = dist; dirPhase[o + j] = 0
            ampRe[o + j] = g.real * inverse; ampIm[o + j] = g.imaginary * inverse
            j += 1
        }
    }

    /// cur_j = amp_j·e^{j(φ_j − k_f d_j)}, step_j = e^{−j Δk d_j} of the source in `slot`: eight antennas at a time
    /// (the phases in Float64 vectors, `VectorMath.sinCosFloat` on them, the amplitude's product in Float32), the
    /// rest through the buffer form — the same operations lane by lane, so the same values.
    func anchor(slot: Int, kf: Double, dk: Double) {
        typealias D = SIMD4<Double>
        let n = na, o = slot * na, size = MemoryLayout<Double>.stride, floatSize = MemoryLayout<Float>.stride
        let dIn = UnsafeRawPointer(distance + o), pIn = UnsafeRawPointer(dirPhase + o)
        let rIn = UnsafeRawPointer(ampRe + o), iIn = UnsafeRawPointer(ampIm + o)
        let crOut = UnsafeMutableRawPointer(curRe + o), ciOut = UnsafeMutableRawPointer(curIm + o)
        let srOut = UnsafeMutableRawPointer(stepRe + o), siOut = UnsafeMutableRawPointer(stepIm + o)
        let kfv = D(repeating: kf), dkv = D(repeating: -dk)
        var j = 0
        while j + 8 <= n {
            let b0 = j * size, b1 = (j + 4) * size
            let d0 = dIn.loadUnaligned(fromByteOffset: b0, as: D.self)
            let d1 = dIn.loadUnaligned(fromByteOffset: b1, as: D.self)
            let p0 = pIn.loadUnaligned(fromByteOffset: b0, as: D.self) - kfv * d0
            let p1 = pIn.loadUnaligned(fromByteOffset: b1, as: D.self) - kfv * d1
            let (sn, cs) = VectorMath.sinCosFloat(p0, p1)
            let (stepSin, stepCos) = VectorMath.sinCosFloat(dkv * d0, dkv * d1)
            // The amplitude's product in Float32 (its rounding, 10⁻⁷, is that of the Float32 channel anyway).
            let ar = SIMD8<Float>(
                lowHalf: SIMD4<Float>(rIn.loadUnaligned(fromByteOffset: b0, as: D.self)),
                highHalf: SIMD4<Float>(rIn.loadUnaligned(fromByteOffset: b1, as: D.self)))
            let ai = SIMD8<Float>(
                lowHalf: SIMD4<Float>(iIn.loadUnaligned(fromByteOffset: b0, as: D.self)),
                highHalf: SIMD4<Float>(iIn.loadUnaligned(fromByteOffset: b1, as: D.self)))
            let re = ar * cs - ai * sn, im = ar * sn + ai * cs
            let fb = j * floatSize
            crOut.storeBytes(of: re, toByteOffset: fb, as: SIMD8<Float>.self)
            ciOut.storeBytes(of: im, toByteOffset: fb, as: SIMD8<Float>.self)
            srOut.storeBytes(of: stepCos, toByteOffset: fb, as: SIMD8<Float>.self)
            siOut.storeBytes(of: stepSin, toByteOffset: fb, as: SIMD8<Float>.self)
            j += 8
        }
        let rest = n - j
        guard rest > 0 else { return }
        let distance = self.distance + o + j, ampRe = self.ampRe + o + j, ampIm = self.ampIm + o + j
        let dirPhase = self.dirPhase + o + j
        let curRe = self.curRe + o + j, curIm = self.curIm + o + j
        let stepRe = self.stepRe + o + j, stepIm = self.stepIm + o + j
        for i in 0..<rest { phase[i] = dirPhase[i] - kf * distance[i]; phase[rest + i] = -dk * distance[i] }
        VectorMath.sinCosFloat(phase, sin: sines, cos: cosines, count: 2 * rest)
        for i in 0..<rest {
            let sn = sines[i], cs = cosines[i], ar = Float(ampRe[i]), ai = Float(ampIm[i])
            curRe[i] = ar * cs - ai * sn; curIm[i] = ar * sn + ai * cs
            stepRe[i] = cosines[rest + i]; stepIm[i] = sines[rest + i]
        }
    }

    /// For k in k0..<k1 and each of the first `slots` sources in order: t[k] += cur; cur *= step (with `overwrite`,
    /// the first source's phasor replaces t[k] instead: the first group needs no cleared channel; with `base`, t[k]
    /// becomes base[k] + cur: a channel started elsewhere, read instead of copied). Eight antennas at
    /// a time in SIMD registers (phasors, steps and the channel stay in registers across subcarriers; the channel is
    /// loaded and stored once for the group), the rest one by one with the same arithmetic. The sum is taken in
    /// source order, as one source at a time would: the channel is the same to the last bit.
    func rotateAccumulate(
        slots: Int, from k0: Int, to k1: Int, overwrite: Bool,
        base: (re: UnsafePointer<Float>, im: UnsafePointer<Float>)? = nil
    ) {
        precondition((1...Self.slots).contains(slots), "1...\(Self.slots) sources per group")
        precondition(!(overwrite && base != nil), "a group either overwrites the channel or starts from a base")
        typealias V = SIMD8<Float>
        let n = na, size = MemoryLayout<Float>.stride
        let trRaw = UnsafeMutableRawPointer(tRe), tiRaw = UnsafeMutableRawPointer(tIm)
        // Where the channel is read before the first source is added: itself, or the base.
        let readRe = base.map { UnsafeRawPointer($0.re) } ?? UnsafeRawPointer(trRaw)
        let readIm = base.map { UnsafeRawPointer($0.im) } ?? UnsafeRawPointer(tiRaw)
        @inline(__always) func load(_ p: UnsafeMutablePointer<Float>, _ slot: Int, _ j0: Int) -> V {
            UnsafeRawPointer(p + slot * n + j0).loadUnaligned(as: V.self)
        }
        @inline(__always) func rotate(_ re: inout V, _ im: inout V, _ sr: V, _ si: V) {
            let nextRe = re * sr - im * si
            im = re * si + im * sr
            re = nextRe
        }
        var j0 = 0
        while j0 + 8 <= n {
            // Unused slots carry zeros and are never added.
            var re0 = load(curRe, 0, j0), im0 = load(curIm, 0, j0)
            let sr0 = load(stepRe, 0, j0), si0 = load(stepIm, 0, j0)
            var re1 = slots > 1 ? load(curRe, 1, j0) : .zero, im1 = slots > 1 ? load(curIm, 1, j0) : .zero
            let sr1 = slots > 1 ? load(stepRe, 1, j0) : .zero, si1 = slots > 1 ? load(stepIm, 1, j0) : .zero
            var re2 = slots > 2 ? load(curRe, 2, j0) : .zero, im2 = slots > 2 ? load(curIm, 2, j0) : .zero
            let sr2 = slots > 2 ? load(stepRe, 2, j0) : .zero, si2 = slots > 2 ? load(stepIm, 2, j0) : .zero
            for k in k0..<k1 {
                let o = (k &* n &+ j0) &* size
                // The first group writes the channel (0 + c is c: the same values as adding to a cleared one).
                var tr = overwrite ? re0 : readRe.loadUnaligned(fromByteOffset: o, as: V.self) + re0
                var ti = overwrite ? im0 : readIm.loadUnaligned(fromByteOffset: o, as: V.self) + im0
                rotate(&re0, &im0, sr0, si0)
                if slots > 1 {
                    tr = tr + re1; ti = ti + im1
                    rotate(&re1, &im1, sr1, si1)
                }
                if slots > 2 {
                    tr = tr + re2; ti = ti + im2
                    rotate(&re2, &im2, sr2, si2)
                }
                trRaw.storeBytes(of: tr, toByteOffset: o, as: V.self)
                tiRaw.storeBytes(of: ti, toByteOffset: o, as: V.self)
            }
            j0 += 8
        }
        for j in j0..<n {
            for k in k0..<k1 {
                for slot in 0..<slots {
                    let i = slot * n + j
                    if overwrite && slot == 0 {
                        tRe[k * n + j] = curRe[i]; tIm[k * n + j] = curIm[i]
                    } else if slot == 0, let base {
                        tRe[k * n + j] = base.re[k * n + j] + curRe[i]; tIm[k * n + j] = base.im[k * n + j] + curIm[i]
                    } else {
                        tRe[k * n + j] += curRe[i]; tIm[k * n + j] += curIm[i]
                    }
                    let nextRe = curRe[i] * stepRe[i] - curIm[i] * stepIm[i]
                    curIm[i] = curRe[i] * stepIm[i] + curIm[i] * stepRe[i]
                    curRe[i] = nextRe
                }
            }
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
