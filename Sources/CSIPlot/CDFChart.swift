import Foundation

/// Empirical CDFs of several series on a logarithmic x axis (decades), with labelled vertical markers; SVG.
public struct CDFChart: Sendable {
    /// One curve: its legend label and its CDF points (x in axis units, fraction in [0, 1]), ascending.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, fraction: Double)]

        public init(name: String, points: [(x: Double, fraction: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var series: [Series]
    /// Dashed vertical lines with a label at the top (e.g. λ₀/2, λ₀).
    public var markers: [(label: String, x: Double)]
    /// The smallest positive and the largest x of the data, for the axis (nil: 10⁻⁴ and 10²).
    public var extent: (minPositive: Double?, max: Double?)
    public var xLabel: String
    public var yLabel: String

    public init(title: String, series: [Series], markers: [(label: String, x: Double)], extent: (minPositive: Double?, max: Double?),
                xLabel: String, yLabel: String) {
        self.title = title
        self.series = series
        self.markers = markers
        self.extent = extent
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The chart: whole decades from below the smallest positive x (at least 10⁻⁷) to above the largest x and
    /// every marker; legend on the right.
    public func svg() -> String {
        let w = 760.0, h = 460.0, left = 70.0, right = 190.0, top = 40.0, bottom = 60.0
        let pw = w - left - right, ph = h - top - bottom
        let lo = floor(log10(max(extent.minPositive ?? 1e-4, 1e-7)))
        let hi = ceil(log10(max(extent.max ?? 100, markers.map(\.x).max() ?? 0)))
        func X(_ v: Double) -> Double { left + (log10(max(v, pow(10, lo))) - lo) / max(hi - lo, 1) * pw }
        func Y(_ f: Double) -> Double { top + (1 - f) * ph }
        var s = SVGElements.header(w, h, title)
        // Grid and axes.
        for d in Int(lo)...Int(hi) {
            let x = X(pow(10, Double(d)))
            s += SVGElements.line(x, top, x, top + ph, "#dddddd")
            s += SVGElements.text(x, top + ph + 18, "10^\(d)", anchor: "middle", size: 12)
        }
        for f in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += SVGElements.line(left, Y(f), left + pw, Y(f), "#dddddd")
            s += SVGElements.text(left - 8, Y(f) + 4, String(format: "%.2f", f), anchor: "end", size: 12)
        }
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#333\"/>\n"
        for (label, v) in markers {
            let x = X(v)
            s += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>\n"
            s += SVGElements.text(x + 3, top + 12, label, anchor: "start", size: 11)
        }
        s += SVGElements.text(left + pw / 2, h - 15, xLabel, anchor: "middle", size: 14)
        s += "<text x=\"18\" y=\"\(top + ph / 2)\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + ph / 2))\">\(yLabel)</text>\n"
        // Curves.
        for (i, c) in series.enumerated() where !c.points.isEmpty {
            let pts = c.points.map { String(format: "%.1f,%.1f", X($0.x), Y($0.fraction)) }
            let colour = SVGElements.palette[i % SVGElements.palette.count]
            s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
            let ly = top + 20 + Double(i) * 22
            s += SVGElements.line(left + pw + 15, ly - 4, left + pw + 40, ly - 4, colour, width: 3)
            s += SVGElements.text(left + pw + 46, ly, c.name, anchor: "start", size: 13)
        }
        return s + "</svg>\n"
    }
}
