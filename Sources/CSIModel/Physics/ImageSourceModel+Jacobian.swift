import CSIChannel
import CSINumerics
import Numerics

extension ImageSourceModel {
    /// `evaluateWithJacobian` for evenly spaced subcarriers (the refinement's hot loop), the same closed form as
    /// `referenceJacobian` arranged for SIMD: per source, each antenna's phasor B = e^{j(φ − k_f d)}/r (r = d, or a
    /// diffracted path's spreading) is rotated across subcarriers (exact re-anchor every 64), four antennas per
    /// vector, and
    ///
    ///   T = g·B,   ∂T/∂x_c = ∂g_c·B + a_c·T − j·n_c·k_f·T,   a_c = ∂ln(1/r)/∂x_c + j·∂φ/∂x_c  (−n_c/d for r = d),
    ///
    /// accumulated subcarrier-major in one temporary buffer, then written in the `ChannelModel` layout.
    /// Everything in Float64.
    func fastJacobian(
        at x: Point3, spacing df: Double, value v: UnsafeMutablePointer<Double>,
        jacobian jac: UnsafeMutablePointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount, stride = valuesPerChannel
        let groups = (na + 3) / 4, padded = 4 * groups
        let twoPiOverC = 2 * Double.pi / speedOfLight, k0 = twoPiOverC * carrier, dk = twoPiOverC * df
        let inv = Complex(1 / scale, 0)
        // Layout of the temporary buffer (Doubles): 8 accumulators (value, ∂x, ∂y, ∂z; re and im) of ns × padded,
        // then per-antenna inputs of `padded` each: B re/im, step re/im, n_x, n_y, n_z, a re (3), a im (3),
        // distance, direction phase, sines and cosines (2 each), spreading.
        let accSize = 8 * ns * padded, perAntenna = 20
        withUnsafeTemporaryAllocation(of: Double.self, capacity: accSize + perAntenna * padded) { buffer in
            let base = buffer.baseAddress!
            base.update(repeating: 0, count: accSize + perAntenna * padded)
            let acc = base, ant = base + accSize
            let bRe = ant, bIm = ant + padded, sRe = ant + 2 * padded, sIm = ant + 3 * padded
            let nv = (ant + 4 * padded, ant + 5 * padded, ant + 6 * padded)
            let aRe = (ant + 7 * padded, ant + 8 * padded, ant + 9 * padded)
            let aIm = (ant + 10 * padded, ant + 11 * padded, ant + 12 * padded)
            let dist = ant + 13 * padded, dirPhase = ant + 14 * padded
            let sines = ant + 15 * padded, cosines = ant + 17 * padded // 2·padded each
            let spread = ant + 19 * padded
            for (l, src) in sources.enumerated() {
                let (g, gs) = gainAndSlopes(path: l, source: src, at: x, times: inv)
                for j in 0..<na {
                    let (d, n, spreading, logGradient, phase, grad) = src.wave(
                        from: frame.offsets[j], to: x, phaseModel: phaseModel, k0: k0)
                    dist[j] = d; dirPhase[j] = phase; spread[j] = spreading
                    nv.0[j] = n.x; nv.1[j] = n.y; nv.2[j] = n.z
                    aRe.0[j] = logGradient.x; aRe.1[j] = logGradient.y; aRe.2[j] = logGradient.z
                    aIm.0[j] = grad.x; aIm.1[j] = grad.y; aIm.2[j] = grad.z
                }
                var k = 0
                while k < ns {
                    let k1 = min(ns, k + 64)
                    let kf = twoPiOverC * frequencies[k]
                    // Phases of B (into bRe) and of the step (into sRe), then one vectorised sin/cos of both.
                    for j in 0..<na { bRe[j] = dirPhase[j] - kf * dist[j]; bRe[padded + j] = -dk * dist[j] }
                    VectorMath.sinCos(bRe, sin: sines, cos: cosines, count: 2 * padded)
                    for j in 0..<na {
                        bRe[j] = cosines[j] / spread[j]; bIm[j] = sines[j] / spread[j]
                        sRe[j] = cosines[padded + j]; sIm[j] = sines[padded + j]
                    }
                    Self.jacobianBlock(
                        from: k, to: k1, kf0: kf, dk: dk, groups: groups, padded: padded,
                        planeSize: ns * padded, acc: acc, antennas: ant, g: g, gs: gs)
                    k = k1
                }
            }
            // Subcarrier-major accumulators → antenna-major interleaved outputs.
            for j in 0..<na {
                for k in 0..<ns {
                    let i = 2 * (j * ns + k), a = k * padded + j
                    v[i] = acc[a]; v[i + 1] = acc[ns * padded + a]
                    for c in 0..<3 {
                        jac[c * stride + i] = acc[(2 + 2 * c) * ns * padded + a]
                        jac[c * stride + i + 1] = acc[(3 + 2 * c) * ns * padded + a]
                    }
                }
            }
        }
    }

    /// Adds one source's value and derivatives for subcarriers k0..<k1 to the accumulators (plane p of size
    /// `planeSize` at `acc + p·planeSize`, entry k·padded + j), four antennas per SIMD vector, the phasors kept
    /// in registers across subcarriers.
    @inline(__always)
    static func jacobianBlock(
        from k0: Int, to k1: Int, kf0: Double, dk: Double, groups: Int, padded: Int, planeSize: Int,
        acc: UnsafeMutablePointer<Double>, antennas ant: UnsafeMutablePointer<Double>,
        g: Complex<Double>, gs: (Complex<Double>, Complex<Double>, Complex<Double>)
    ) {
        typealias V = SIMD4<Double>
        func load(_ field: Int, _ j: Int) -> V { UnsafeRawPointer(ant + field * padded + j).loadUnaligned(as: V.self) }
        let gr = V(repeating: g.real), gi = V(repeating: g.imaginary)
        let gsr = (V(repeating: gs.0.real), V(repeating: gs.1.real), V(repeating: gs.2.real))
        let gsi = (V(repeating: gs.0.imaginary), V(repeating: gs.1.imaginary), V(repeating: gs.2.imaginary))
        for grp in 0..<groups {
            let j = 4 * grp
            var br = load(0, j), bi = load(1, j)
            let sr = load(2, j), si = load(3, j)
            let n = (load(4, j), load(5, j), load(6, j))
            let ar = (load(7, j), load(8, j), load(9, j)), ai = (load(10, j), load(11, j), load(12, j))
            for k in k0..<k1 {
                let kf = V(repeating: kf0 + Double(k - k0) * dk)
                let tr = gr * br - gi * bi, ti = gr * bi + gi * br // T = g·B
                let ur = kf * tr, ui = kf * ti // U = k_f·T
                let p = UnsafeMutableRawPointer(acc + k * padded + j)
                let stride = planeSize * MemoryLayout<Double>.stride
                func add(_ plane: Int, _ x: V) {
                    let o = plane * stride
                    p.storeBytes(of: p.loadUnaligned(fromByteOffset: o, as: V.self) + x, toByteOffset: o, as: V.self)
                }
                add(0, tr); add(1, ti)
                // ∂T/∂x_c = ∂g_c·B + a_c·T − j n_c·U
                add(2, gsr.0 * br - gsi.0 * bi + ar.0 * tr - ai.0 * ti + n.0 * ui)
                add(3, gsr.0 * bi + gsi.0 * br + ar.0 * ti + ai.0 * tr - n.0 * ur)
                add(4, gsr.1 * br - gsi.1 * bi + ar.1 * tr - ai.1 * ti + n.1 * ui)
                add(5, gsr.1 * bi + gsi.1 * br + ar.1 * ti + ai.1 * tr - n.1 * ur)
                add(6, gsr.2 * br - gsi.2 * bi + ar.2 * tr - ai.2 * ti + n.2 * ui)
                add(7, gsr.2 * bi + gsi.2 * br + ar.2 * ti + ai.2 * tr - n.2 * ur)
                let nr = br * sr - bi * si; bi = br * si + bi * sr; br = nr
            }
        }
    }
}
