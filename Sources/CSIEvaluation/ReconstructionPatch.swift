public import CSIChannel
import CSIPlot
import Foundation

/// `csiloc eval --picture`: truth vs reconstruction (real part of one antenna/subcarrier entry) over a square
/// λ/4-spaced patch, and their 2-D spatial spectra (|DFT|, dB) — the papers' figure. Truth comes from the exact
/// simulator of a scene.
public enum ReconstructionPatch {
    /// The figure as SVG: the patch of side ≈ `size` m centred on `center`.
    public static func svg(model: any ChannelModel, label: String, scene: Scene, center: Point3, size: Double) -> String
    {
        let lambda = scene.subcarriers.wavelength
        let step = lambda / 4
        let n = max(8, Int((size / step).rounded()))
        let half = Double(n - 1) * step / 2
        var points: [Point3] = []
        for j in 0..<n {
            for i in 0..<n {
                points.append(Point3(center.x - half + Double(i) * step, center.y + half - Double(j) * step, center.z))
            }
        }
        let truth = ChannelSimulator(scene: scene).channels(at: points)
        let recon = model.channels(at: points)
        let stride = model.valuesPerChannel
        let k = model.subcarrierCount / 2
        func entry(_ h: [Double], _ p: Int) -> (Double, Double) { (h[p * stride + 2 * k], h[p * stride + 2 * k + 1]) }
        let tRe = (0..<points.count).map { entry(truth, $0).0 }, mRe = (0..<points.count).map { entry(recon, $0).0 }
        var err = 0.0, energy = 0.0
        for i in truth.indices { err += (truth[i] - recon[i]) * (truth[i] - recon[i]); energy += truth[i] * truth[i] }
        let nmse = 10 * log10(err / max(energy, 1e-300))
        let tSpec = spectrum((0..<points.count).map { entry(truth, $0) }, n),
            mSpec = spectrum((0..<points.count).map { entry(recon, $0) }, n)
        let hi = max(tSpec.max() ?? 0, mSpec.max() ?? 0)
        let lim = tRe.map(abs).max() ?? 1
        let panels = [
            Heatmap(width: n, height: n, values: tRe, colorMap: .diverging, title: "truth Re h", range: -lim...lim),
            Heatmap(width: n, height: n, values: mRe, colorMap: .diverging, title: "\(label) Re ĥ", range: -lim...lim),
            Heatmap(
                width: n, height: n, values: tSpec, colorMap: .magnitude, title: "truth |DFT| (dB)",
                range: (hi - 60)...hi),
            Heatmap(
                width: n, height: n, values: mSpec, colorMap: .magnitude, title: "model |DFT| (dB)",
                range: (hi - 60)...hi),
        ]
        let caption = String(
            format:
                "%.2f m × %.2f m patch at (%.2f, %.2f, %.2f), λ/4 grid, antenna 0, subcarrier %d; patch NMSE %.2f dB",
            Double(n - 1) * step, Double(n - 1) * step, center.x, center.y, center.z, k, nmse)
        return FigureSVG.panels(panels, caption: caption)
    }

    /// |2-D DFT|² in dB of an n×n complex field (Hann-windowed against edge leakage), zero frequency centred.
    static func spectrum(_ field: [(Double, Double)], _ n: Int) -> [Double] {
        let w = (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * (Double($0) + 0.5) / Double(n)) }
        var re = field.enumerated().map { $0.element.0 * w[$0.offset % n] * w[$0.offset / n] }
        var im = field.enumerated().map { $0.element.1 * w[$0.offset % n] * w[$0.offset / n] }
        func dft(_ stride: Int, _ count: Int, _ offsets: [Int]) {
            var cosT = [Double](repeating: 0, count: count * count), sinT = cosT
            for a in 0..<count {
                for b in 0..<count {
                    let ang = -2 * Double.pi * Double(a * b) / Double(count)
                    cosT[a * count + b] = cos(ang); sinT[a * count + b] = sin(ang)
                }
            }
            for o in offsets {
                var outR = [Double](repeating: 0, count: count), outI = outR
                for a in 0..<count {
                    var sr = 0.0, si = 0.0
                    for b in 0..<count {
                        let r = re[o + b * stride], i = im[o + b * stride], c = cosT[a * count + b],
                            s = sinT[a * count + b]
                        sr += r * c - i * s; si += r * s + i * c
                    }
                    outR[a] = sr; outI[a] = si
                }
                for a in 0..<count { re[o + a * stride] = outR[a]; im[o + a * stride] = outI[a] }
            }
        }
        dft(1, n, (0..<n).map { $0 * n }) // along rows
        dft(n, n, Array(0..<n)) // along columns
        var out = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for i in 0..<n {
                let sj = (j + n / 2) % n, si = (i + n / 2) % n
                let p = re[sj * n + si] * re[sj * n + si] + im[sj * n + si] * im[sj * n + si]
                out[j * n + i] = 10 * log10(max(p, 1e-300))
            }
        }
        return out
    }
}
