import Foundation

/// A raster panel of values on a grid, coloured by a colour map, for SVG figures.
public struct Heatmap: Sendable {
    /// How values map to colours: `diverging` (symmetric about 0) or `magnitude` (viridis, minimum to maximum).
    public enum ColorMap: Sendable { case diverging, magnitude }
    let width: Int, height: Int
    /// Row-major values, row 0 at the top.
    package let values: [Double]
    let colorMap: ColorMap
    let title: String
    /// Value range mapped to the colour map (nil: symmetric max for diverging, min…max for magnitude).
    var range: ClosedRange<Double>?

    /// Creates a `width` × `height` panel of row-major `values` (row 0 at the top) with its title.
    public init(
        width: Int, height: Int, values: [Double], colorMap: ColorMap, title: String, range: ClosedRange<Double>? = nil
    ) {
        self.width = width; self.height = height; self.values = values; self.colorMap = colorMap; self.title = title;
        self.range = range
    }

    var effectiveRange: ClosedRange<Double> {
        if let range { return range }
        let finite = values.filter(\.isFinite)
        switch colorMap {
        case .diverging: let m = max(finite.map(abs).max() ?? 1, 1e-300); return -m...m
        case .magnitude: let lo = finite.min() ?? 0, hi = finite.max() ?? 1; return lo...max(hi, lo + 1e-300)
        }
    }

    /// PNG of the panel.
    func png() -> [UInt8] {
        let r = effectiveRange
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for (i, v) in values.enumerated() {
            let t = v.isFinite ? min(1, max(0, (v - r.lowerBound) / (r.upperBound - r.lowerBound))) : 0
            let c = colorMap == .diverging ? Self.diverging(t) : Self.viridis(t)
            rgb[3 * i] = c.0; rgb[3 * i + 1] = c.1; rgb[3 * i + 2] = c.2
        }
        return PNGEncoder.encode(width: width, height: height, rgb: rgb)
    }

    /// Blue–white–red.
    static func diverging(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let s = 2 * t - 1
        if s < 0 { let a = 1 + s; return (UInt8(255 * a), UInt8(255 * a), 255) }
        let a = 1 - s; return (255, UInt8(255 * a), UInt8(255 * a))
    }

    /// A viridis-like ramp (piecewise linear through five anchor colours).
    static func viridis(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let stops: [(Double, Double, Double)] = [
            (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
        ]
        let x = t * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(x)), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return (UInt8(a.0 + (b.0 - a.0) * f), UInt8(a.1 + (b.1 - a.1) * f), UInt8(a.2 + (b.2 - a.2) * f))
    }
}

/// Lays out heatmap panels in a row with titles into one self-contained SVG (PNG rasters embedded), each with a
/// colour bar ticked in round steps (``AxisTicks``) inside its value range.
public enum FigureSVG {
    /// One SVG of `panels` side by side under `caption`, each cell drawn `pixel` × `pixel` px.
    public static func panels(_ panels: [Heatmap], caption: String, pixel: Int = 3) -> String {
        let pad = 20.0, titleH = 22.0, barGap = 8.0, barWidth = 12.0, tickSize = 11
        let cellH = Double(panels.map { $0.height * pixel }.max() ?? 100)
        var x = pad, body = ""
        for p in panels {
            let pw = Double(p.width * pixel), ph = Double(p.height * pixel), y0 = pad + titleH - 10
            body += "<text x=\"\(Int(x))\" y=\"\(Int(pad) + 4)\">\(SVGElements.escape(p.title))</text>\n"
            let data = Data(p.png()).base64EncodedString()
            body +=
                "<image x=\"\(Int(x))\" y=\"\(Int(y0))\" width=\"\(Int(pw))\" height=\"\(Int(ph))\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(data)\"/>\n"
            // Colour bar: the panel's colour map bottom (low) to top (high), ticks inside the range.
            let r = p.effectiveRange, bx = x + pw + barGap
            for i in 0..<64 {
                let t = (Double(i) + 0.5) / 64
                let c = p.colorMap == .diverging ? Heatmap.diverging(t) : Heatmap.viridis(t)
                body += String(
                    format: "<rect x=\"%.1f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" fill=\"#%02x%02x%02x\"/>\n",
                    bx, y0 + ph * (1 - Double(i + 1) / 64), barWidth, ph / 64 + 0.3, c.0, c.1, c.2)
            }
            let ticks = AxisTicks.linear(covering: r.lowerBound, r.upperBound, count: max(4, Int(ph / 30)))
            var widest = 0.0
            for (v, label) in zip(ticks.values, ticks.labels) where r.contains(v) {
                let ty = y0 + ph * (1 - (v - r.lowerBound) / (r.upperBound - r.lowerBound))
                body += SVGElements.line(bx + barWidth, ty, bx + barWidth + 3, ty, "#333")
                body += label.svg(x: bx + barWidth + 5, y: ty + 4, anchor: "start", size: tickSize, role: "bartick")
                widest = max(widest, label.width(size: Double(tickSize)))
            }
            x = (bx + barWidth + 5 + widest + pad).rounded(.up)
        }
        let w = Int(max(x, 100)), h = Int(titleH + cellH + 2 * pad + 20)
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"13\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body
        s += "<text x=\"\(Int(pad))\" y=\"\(h - 10)\" fill=\"#444\">\(SVGElements.escape(caption))</text>\n</svg>\n"
        return s
    }
}
