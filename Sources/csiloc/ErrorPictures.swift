import CSIChannel
import Foundation

/// Hand-written SVG pictures of localization errors: CDFs on a log axis and an error map.
enum ErrorPictures {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// Error CDFs of several methods on a log x-axis (cm), with λ₀/2 and λ₀ marked.
    static func cdf(_ results: [MethodResult], wavelength: Double, title: String) -> String {
        let w = 760.0, h = 460.0, left = 70.0, right = 190.0, top = 40.0, bottom = 60.0
        let pw = w - left - right, ph = h - top - bottom
        let all = results.flatMap(\.errors).filter { $0.isFinite && $0 > 0 }.map { $0 * 100 }
        let lo = floor(log10(max(all.min() ?? 1e-4, 1e-7))), hi = ceil(log10(max(all.max() ?? 100, wavelength * 100)))
        func X(_ cm: Double) -> Double { left + (log10(max(cm, pow(10, lo))) - lo) / max(hi - lo, 1) * pw }
        func Y(_ f: Double) -> Double { top + (1 - f) * ph }
        var s = header(w, h, title)
        // Grid and axes.
        for d in Int(lo)...Int(hi) {
            let x = X(pow(10, Double(d)))
            s += line(x, top, x, top + ph, "#dddddd")
            s += text(x, top + ph + 18, "10^\(d)", anchor: "middle", size: 12)
        }
        for f in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += line(left, Y(f), left + pw, Y(f), "#dddddd")
            s += text(left - 8, Y(f) + 4, String(format: "%.2f", f), anchor: "end", size: 12)
        }
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#333\"/>\n"
        for (label, v) in [("λ₀/2", wavelength / 2), ("λ₀", wavelength)] {
            let x = X(v * 100)
            s += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>\n"
            s += text(x + 3, top + 12, label, anchor: "start", size: 11)
        }
        s += text(left + pw / 2, h - 15, "localization error (cm, log scale)", anchor: "middle", size: 14)
        s += "<text x=\"18\" y=\"\(top + ph / 2)\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + ph / 2))\">fraction of points ≤ error</text>\n"
        // Curves.
        for (i, r) in results.enumerated() {
            let e = r.errors.filter(\.isFinite).sorted()
            guard !e.isEmpty else { continue }
            var pts: [String] = []
            let step = max(1, e.count / 800)
            for j in stride(from: 0, to: e.count, by: step) {
                pts.append(String(format: "%.1f,%.1f", X(e[j] * 100), Y(Double(j + 1) / Double(e.count))))
            }
            pts.append(String(format: "%.1f,%.1f", X(e.last! * 100), Y(1)))
            let c = palette[i % palette.count]
            s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
            let ly = top + 20 + Double(i) * 22
            s += line(left + pw + 15, ly - 4, left + pw + 40, ly - 4, c, width: 3)
            s += text(left + pw + 46, ly, r.name, anchor: "start", size: 13)
        }
        return s + "</svg>\n"
    }

    /// Scatter of the test positions coloured by log₁₀ error (cm), over the region.
    static func map(_ r: MethodResult, truth: [Point3], region: Region, title: String) -> String {
        let w = 640.0, h = 560.0, left = 60.0, top = 40.0, plot = 440.0
        let sx = region.x.upperBound - region.x.lowerBound, sy = region.y.upperBound - region.y.lowerBound
        let scale = plot / max(sx, sy, 1e-9)
        func X(_ v: Double) -> Double { left + (v - region.x.lowerBound) * scale }
        func Y(_ v: Double) -> Double { top + (region.y.upperBound - v) * scale }
        let lo = -4.0, hi = 2.0   // 1 µm … 1 m in cm
        var s = header(w, h, title)
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(sx * scale)\" height=\"\(sy * scale)\" fill=\"#f7f7f7\" stroke=\"#333\"/>\n"
        let radius = max(1.5, min(5, plot / Double(max(truth.count, 1)).squareRoot() / 3))
        for (p, e) in zip(truth, r.errors) where e.isFinite {
            let t = (log10(max(e * 100, 1e-6)) - lo) / (hi - lo)
            s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\"/>\n", X(p.x), Y(p.y), radius, color(t))
        }
        for v in [region.x.lowerBound, (region.x.lowerBound + region.x.upperBound) / 2, region.x.upperBound] {
            s += text(X(v), top + sy * scale + 18, String(format: "%g", v), anchor: "middle", size: 12)
        }
        for v in [region.y.lowerBound, (region.y.lowerBound + region.y.upperBound) / 2, region.y.upperBound] {
            s += text(left - 6, Y(v) + 4, String(format: "%g", v), anchor: "end", size: 12)
        }
        s += text(left + sx * scale / 2, top + sy * scale + 38, "x (m)", anchor: "middle", size: 14)
        s += text(18, top + sy * scale / 2, "y (m)", anchor: "middle", size: 14)
        // Colour bar.
        let bx = left + plot + 40, bh = plot
        for i in 0..<100 {
            let t = Double(i) / 99
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.2f\" fill=\"%@\"/>\n", bx, top + (1 - t) * bh - bh / 100, bh / 100 + 0.5, color(t))
        }
        for d in Int(lo)...Int(hi) {
            let y = top + (1 - (Double(d) - lo) / (hi - lo)) * bh
            s += text(bx + 24, y + 4, "10^\(d) cm", anchor: "start", size: 11)
        }
        return s + "</svg>\n"
    }

    /// A perceptually ordered blue → green → yellow → red ramp for t ∈ [0, 1].
    static func color(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(0.27, 0.00, 0.33), (0.23, 0.32, 0.55), (0.13, 0.57, 0.55), (0.37, 0.79, 0.38), (0.99, 0.91, 0.14), (0.84, 0.15, 0.16)]
        let x = min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return String(format: "#%02x%02x%02x", Int(255 * (a.0 + (b.0 - a.0) * f)), Int(255 * (a.1 + (b.1 - a.1) * f)), Int(255 * (a.2 + (b.2 - a.2) * f)))
    }

    static func header(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + text(w / 2, 24, title, anchor: "middle", size: 16)
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ c: String, width: Double = 1) -> String {
        String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"%g\"/>\n", x1, y1, x2, y2, c, width)
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String, size: Int) -> String {
        let escaped = s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%@\">", x, y, size, anchor) + escaped + "</text>\n"
    }
}
