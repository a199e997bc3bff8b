import CSINumerics

/// Sums multipath terms A_j · exp(−j 2π f_k τ_j) over paths into one channel matrix (N_a × N_s), the inner
/// loop shared by the simulator and every physics-based model.
///
/// With evenly spaced subcarriers the phase advances by one complex multiply per entry (rotation), exact
/// sin/cos re-anchoring every `reanchorInterval` subcarriers keeping rounding below ~1e-14; otherwise each
/// entry gets its own sin/cos. Loops run over antennas innermost, so they vectorise.
public struct MultipathAccumulator: Sendable {
    public let antennaCount: Int
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
        let na = antennaCount, ns = frequencies.count
        guard ns > 0 else { return }
        let twoPi = 2 * Double.pi
        if let df = uniformSpacing {
            var k0 = 0
            while k0 < ns {
                let fk0 = frequencies[k0]
                // Base phase at f_k0 and step phase per Δf for every antenna, through one vectorised sin/cos.
                for j in 0..<na {
                    phase[j] = -twoPi * fk0 * delay[j]
                    phase[na + j] = -twoPi * df * delay[j]
                }
                phase.withUnsafeBufferPointer { p in sines.withUnsafeMutableBufferPointer { sb in cosines.withUnsafeMutableBufferPointer { cb in
                    VectorMath.sinCos(p.baseAddress!, sin: sb.baseAddress!, cos: cb.baseAddress!, count: 2 * na)
                }}}
                for j in 0..<na {
                    let ar = amplitudeRe[j], ai = amplitudeIm[j]
                    let sn = sines[j], cs = cosines[j]
                    curRe[j] = ar * cs - ai * sn
                    curIm[j] = ar * sn + ai * cs
                    stepRe[j] = cosines[na + j]; stepIm[j] = sines[na + j]
                }
                let k1 = min(ns, k0 + Self.reanchorInterval)
                rotateAccumulate(from: k0, to: k1)
                k0 = k1
            }
        } else {
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

    /// For k in k0..<k1: t[k] += cur; cur *= step — vectorised across antennas.
    mutating func rotateAccumulate(from k0: Int, to k1: Int) {
        let na = antennaCount
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
