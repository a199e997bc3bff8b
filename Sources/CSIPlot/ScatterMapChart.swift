import Foundation

/// Points over a rectangle (x right, y up) coloured by log₁₀ of a positive value on a fixed decade range, with
/// a colour bar; SVG. Points whose value is not finite are left out.
public struct ScatterMapChart: Sendable {
    public var title: String
    /// (x, y, value) per point.
    public var points: [(x: Double, y: Double, value: Double)]
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    /// Decades of the colour scale: log₁₀ of the value at the bottom and at the top of the bar.
    public var decades: ClosedRange<Double>
    /// Unit after each colour-bar label (`10^-2 cm`), and the axis labels.
    public var valueUnit: String
    public var xLabel: String
    public var yLabel: String

    public init(title: String, points: [(x: Double, y: Double, value: Double)], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                decades: ClosedRange<Double>, valueUnit: String, xLabel: String, yLabel: String) {
        self.title = title
        self.points = points
        self.xRange = xRange
        self.yRange = yRange
        self.decades = decades
        self.valueUnit = valueUnit
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public func svg() -> String {
        let w = 640.0, h = 560.0, left = 60.0, top = 40.0, plot = 440.0
        let sx = xRange.upperBound - xRange.lowerBound, sy = yRange.upperBound - yRange.lowerBound
        let scale = plot / max(sx, sy, 1e-9)
        func X(_ v: Double) -> Double { left + (v - xRange.lowerBound) * scale }
        func Y(_ v: Double) -> Double { top + (yRange.upperBound - v) * scale }
        let lo = decades.lowerBound, hi = decades.upperBound
        var s = SVGElements.header(w, h, title)
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(sx * scale)\" height=\"\(sy * scale)\" fill=\"#f7f7f7\" stroke=\"#333\"/>\n"
        let radius = max(1.5, min(5, plot / Double(max(points.count, 1)).squareRoot() / 3))
        for p in points where p.value.isFinite {
            let t = (log10(max(p.value, 1e-6)) - lo) / (hi - lo)
            s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\"/>\n", X(p.x), Y(p.y), radius, SVGElements.ramp(t))
        }
        for v in [xRange.lowerBound, (xRange.lowerBound + xRange.upperBound) / 2, xRange.upperBound] {
            s += SVGElements.text(X(v), top + sy * scale + 18, String(format: "%g", v), anchor: "middle", size: 12)
        }
        for v in [yRange.lowerBound, (yRange.lowerBound + yRange.upperBound) / 2, yRange.upperBound] {
            s += SVGElements.text(left - 6, Y(v) + 4, String(format: "%g", v), anchor: "end", size: 12)
        }
        s += SVGElements.text(left + sx * scale / 2, top + sy * scale + 38, xLabel, anchor: "middle", size: 14)
        s += SVGElements.text(18, top + sy * scale / 2, yLabel, anchor: "middle", size: 14)
        // Colour bar.
        let bx = left + plot + 40, bh = plot
        for i in 0..<100 {
            let t = Double(i) / 99
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.2f\" fill=\"%@\"/>\n", bx, top + (1 - t) * bh - bh / 100, bh / 100 + 0.5, SVGElements.ramp(t))
        }
        for d in Int(lo)...Int(hi) {
            let y = top + (1 - (Double(d) - lo) / (hi - lo)) * bh
            s += SVGElements.text(bx + 24, y + 4, "10^\(d) \(valueUnit)", anchor: "start", size: 11)
        }
        return s + "</svg>\n"
    }
}
