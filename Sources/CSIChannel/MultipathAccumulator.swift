import CSINumerics

/// Sums multipath terms A_j · exp(−j 2π f_k τ_j) over paths into one channel matrix (N_a × N_s), the inner
/// loop shared by the simulator and every physics-based model.
///
/// With evenly spaced subcarriers the phase advances by one complex multiply per entry (rotation), exact
/// sin/cos re-anchoring every `reanchorInterval` subcarriers keeping rounding below ~1e-14; otherwise each
/// entry gets its own sin/cos. Loops run over antennas innermost, so they vectorise.
public struct MultipathAccumulator: Sendable {
    /// N_a of the channels summed.
    public let antennaCount: Int
    /// Subcarrier frequencies, Hz.
    public let frequencies: [Double]
    let uniformSpacing: Double?
    /// Steps between exact re-anchors of the rotated phasor.
    static let reanchorInterval = 64

    /// Per-antenna inputs of the path being added: complex amplitude and delay (seconds).
    public var amplitudeRe: [Double], amplitudeIm: [Double], delay: [Double]
    var curRe: [Double], curIm: [Double], stepRe: [Double], stepIm: [Double]
    /// Scratch for the vectorised sin/cos: phases and their sines/cosines (2·N_a).
    var phase: [Double], sines: [Double], cosines: [Double]
    /// Accumulated channel, subcarrier-major (k·N_a + j).
    var tRe: [Double], tIm: [Double]

    /// An accumulator for `antennas` elements at `frequencies` (Hz).
    public init(antennas: Int, frequencies: [Double]) {
        antennaCount = antennas
        self.frequencies = frequencies
        uniformSpacing = SubcarrierPlan(frequencies: frequencies).uniformSpacing
        amplitudeRe = .init(repeating: 0, count: antennas)
        amplitudeIm = amplitudeRe; delay = amplitudeRe
        curRe = amplitudeRe; curIm = amplitudeRe; stepRe = amplitudeRe; stepIm = amplitudeRe
        phase = .init(repeating: 0, count: 2 * antennas); sines = phase; cosines = phase
        tRe = .init(repeating: 0, count: antennas * frequencies.count); tIm = tRe
    }

    /// Starts a new channel matrix.
    public mutating func clear() {
        tRe.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        tIm.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Adds the path whose per-antenna amplitude and delay were written into `amplitudeRe/Im` and `delay`.
    /// Antennas with zero amplitude are skipped at no cost to the others.
    public mutating func addPath() {
        let ns = frequencies.count
        guard ns > 0 else { return }
        if let df = uniformSpacing {
            var k0 = 0
            while k0 < ns {
                anchor(at: frequencies[k0], step: df)
                let k1 = min(ns, k0 + Self.reanchorInterval)
                rotateAccumulate(from: k0, to: k1)
                k0 = k1
            }
        } else {
            let na = antennaCount, twoPi = 2 * Double.pi
            for k in 0..<ns {
                let fk = frequencies[k]
                for j in 0..<na {
                    let ar = amplitudeRe[j], ai = amplitudeIm[j]
                    if ar == 0 && ai == 0 { continue }
                    let (sn, cs) = sinCos(-twoPi * fk * delay[j])
                    tRe[k * na + j] += ar * cs - ai * sn
                    tIm[k * na + j] += ar * sn + ai * cs
                }
            }
        }
    }

    /// Adds one complex value to the accumulated channel at antenna `j`, subcarrier `k` (terms whose amplitude
    /// depends on frequency, such as diffracted paths).
    mutating func add(antenna j: Int, subcarrier k: Int, re: Double, im: Double) {
        tRe[k * antennaCount + j] += re
        tIm[k * antennaCount + j] += im
    }

    /// Sets `cur` = amplitude · e^{−j2π f τ} and `step` = e^{−j2π Δf τ} for every antenna, through one
    /// vectorised sin/cos of 2·N_a phases.
    mutating func anchor(at frequency: Double, step df: Double) {
        let na = antennaCount, twoPi = 2 * Double.pi
        phase.withUnsafeMutableBufferPointer { ph in
            sines.withUnsafeMutableBufferPointer { sb in
                cosines.withUnsafeMutableBufferPointer { cb in
                    delay.withUnsafeBufferPointer { tau in
                        for j in 0..<na {
                            ph[j] = -twoPi * frequency * tau[j]
                            ph[na + j] = -twoPi * df * tau[j]
                        }
                        VectorMath.sinCos(ph.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: 2 * na)
                        amplitudeRe.withUnsafeBufferPointer { ar in
                            amplitudeIm.withUnsafeBufferPointer { ai in
                                curRe.withUnsafeMutableBufferPointer { cr in
                                    curIm.withUnsafeMutableBufferPointer { ci in
                                        stepRe.withUnsafeMutableBufferPointer { sr in
                                            stepIm.withUnsafeMutableBufferPointer { si in
                                                for j in 0..<na {
                                                    let sn = sb[j], cs = cb[j]
                                                    cr[j] = ar[j] * cs - ai[j] * sn
                                                    ci[j] = ar[j] * sn + ai[j] * cs
                                                    sr[j] = cb[na + j]; si[j] = sb[na + j]
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
        }
    }

    /// For k in k0..<k1: t[k] += cur; cur *= step. Four antennas at a time in SIMD registers (the phasors
    /// stay in registers across subcarriers); the element-wise arithmetic is the scalar one, so results do not
    /// depend on the antenna count.
    mutating func rotateAccumulate(from k0: Int, to k1: Int) {
        let na = antennaCount
        typealias V = SIMD4<Double>
        let stride = MemoryLayout<Double>.stride
        curRe.withUnsafeMutableBufferPointer { cr in
            curIm.withUnsafeMutableBufferPointer { ci in
                stepRe.withUnsafeBufferPointer { sr in
                    stepIm.withUnsafeBufferPointer { si in
                        tRe.withUnsafeMutableBufferPointer { tr in
                            tIm.withUnsafeMutableBufferPointer { ti in
                                let trRaw = UnsafeMutableRawPointer(tr.baseAddress!),
                                    tiRaw = UnsafeMutableRawPointer(ti.baseAddress!)
                                var j0 = 0
                                while j0 + 4 <= na {
                                    var re = UnsafeRawPointer(cr.baseAddress! + j0).loadUnaligned(as: V.self)
                                    var im = UnsafeRawPointer(ci.baseAddress! + j0).loadUnaligned(as: V.self)
                                    let stRe = UnsafeRawPointer(sr.baseAddress! + j0).loadUnaligned(as: V.self)
                                    let stIm = UnsafeRawPointer(si.baseAddress! + j0).loadUnaligned(as: V.self)
                                    for k in k0..<k1 {
                                        let offset = (k * na + j0) * stride
                                        trRaw.storeBytes(
                                            of: trRaw.loadUnaligned(fromByteOffset: offset, as: V.self) + re,
                                            toByteOffset: offset, as: V.self)
                                        tiRaw.storeBytes(
                                            of: tiRaw.loadUnaligned(fromByteOffset: offset, as: V.self) + im,
                                            toByteOffset: offset, as: V.self)
                                        let nextRe = re * stRe - im * stIm
                                        im = re * stIm + im * stRe
                                        re = nextRe
                                    }
                                    UnsafeMutableRawPointer(cr.baseAddress! + j0).storeBytes(of: re, as: V.self)
                                    UnsafeMutableRawPointer(ci.baseAddress! + j0).storeBytes(of: im, as: V.self)
                                    j0 += 4
                                }
                                for j in j0..<na {
                                    var re = cr[j], im = ci[j]
                                    for k in k0..<k1 {
                                        tr[k * na + j] += re
                                        ti[k * na + j] += im
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

    /// The correlations c_k = Σ_j conj(scale·T_jk)·H_jk of the accumulated channel with H (subcarrier-major and
    /// split, like the accumulator) into `correlations` (N_s complex, interleaved); returns ‖scale·T‖².
    /// Four antennas at a time in SIMD registers; no channel is written.
    public func correlate(
        hRe: UnsafePointer<Double>, hIm: UnsafePointer<Double>, scale: Double,
        into correlations: UnsafeMutablePointer<Double>
    ) -> Double {
        let na = antennaCount, ns = frequencies.count
        typealias V = SIMD4<Double>
        var energy = V.zero
        var tail = 0.0
        tRe.withUnsafeBufferPointer { trb in
            tIm.withUnsafeBufferPointer { tib in
                let tr = UnsafeRawPointer(trb.baseAddress!), ti = UnsafeRawPointer(tib.baseAddress!)
                let hr = UnsafeRawPointer(hRe), hi = UnsafeRawPointer(hIm)
                let stride = MemoryLayout<Double>.stride
                for k in 0..<ns {
                    var cr = V.zero, ci = V.zero
                    var j = 0
                    while j + 4 <= na {
                        let o = (k * na + j) * stride
                        let a = tr.loadUnaligned(fromByteOffset: o, as: V.self),
                            b = ti.loadUnaligned(fromByteOffset: o, as: V.self)
                        let x = hr.loadUnaligned(fromByteOffset: o, as: V.self),
                            y = hi.loadUnaligned(fromByteOffset: o, as: V.self)
                        cr += a * x + b * y; ci += a * y - b * x
                        energy += a * a + b * b
                        j += 4
                    }
                    var sr = cr.sum(), si = ci.sum()
                    while j < na {
                        let a = trb[k * na + j], b = tib[k * na + j], x = hRe[k * na + j], y = hIm[k * na + j]
                        sr += a * x + b * y; si += a * y - b * x
                        tail += a * a + b * b
                        j += 1
                    }
                    correlations[2 * k] = sr * scale; correlations[2 * k + 1] = si * scale
                }
            }
        }
        return (energy.sum() + tail) * scale * scale
    }

    /// Writes the accumulated channel antenna-major and interleaved, multiplied by `scale`.
    public func write(into out: UnsafeMutablePointer<Double>, scale: Double = 1) {
        let na = antennaCount, ns = frequencies.count
        for j in 0..<na {
            let row = out + 2 * j * ns
            for k in 0..<ns {
                row[2 * k] = tRe[k * na + j] * scale
                row[2 * k + 1] = tIm[k * na + j] * scale
            }
        }
    }

    /// Writes the accumulated channel as complex64, antenna-major and interleaved.
    public func write(into out: UnsafeMutablePointer<Float>, scale: Double = 1) {
        let na = antennaCount, ns = frequencies.count
        for j in 0..<na {
            let row = out + 2 * j * ns
            for k in 0..<ns {
                row[2 * k] = Float(tRe[k * na + j] * scale)
                row[2 * k + 1] = Float(tIm[k * na + j] * scale)
            }
        }
    }
}
