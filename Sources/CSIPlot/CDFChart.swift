import Foundation

/// Empirical CDFs of several series on a logarithmic x axis (decades), with labelled vertical markers; SVG.
public struct CDFChart: Sendable {
    /// One curve: its legend label and its CDF points (x in axis units, fraction in [0, 1]), ascending.
    public struct Series: Sendable {
        /// Legend label of the curve.
        public var name: String
        var points: [(x: Double, fraction: Double)]

        /// Creates a curve from its label and ascending (x, fraction) points.
        public init(name: String, points: [(x: Double, fraction: Double)]) {
            self.name = name
            self.points = points
        }
    }

    var title: String
    var series: [Series]
    /// Dashed vertical lines with a label at the top (e.g. λ₀/2, λ₀).
    var markers: [(label: String, x: Double)]
    /// The smallest positive and the largest x of the data, for the axis (nil: 10⁻⁴ and 10²).
    var extent: (minPositive: Double?, max: Double?)
    var xLabel: String
    var yLabel: String

    /// Creates a chart of `series` with labelled vertical `markers`; `extent` bounds the x axis (nil: from the data).
    public init(
        title: String, series: [Series], markers: [(label: String, x: Double)],
        extent: (minPositive: Double?, max: Double?),
        xLabel: String, yLabel: String
    ) {
        self.title = title
        self.series = series
        self.markers = markers
        self.extent = extent
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The chart: decade ticks (10ⁿ) from below the smallest positive x (at least 10⁻⁷) to above the largest x and
    /// every marker, fractions 0…1 in steps of 0.2; the legend inside the plot where it covers no curve, marker
    /// or marker label (``LegendPlacement``), else right of the plot.
    public func svg() -> String {
        let w = 760.0, h = 460.0, top = 40.0, right = 24.0
        let finiteMarkers = markers.map(\.x).filter { $0.isFinite && $0 > 0 }
        let lower = min(max(extent.minPositive ?? 1e-4, 1e-7), finiteMarkers.min() ?? .infinity)
        let upper = max(extent.max ?? 100, finiteMarkers.max() ?? 0)
        let frame = AxisFrame(
            x: .decades(covering: lower, upper), y: .linear(covering: 0, 1, count: 6), xLabel: xLabel, yLabel: yLabel)
        let left = frame.leftMargin, bottom = frame.bottomMargin
        let drawn = series.enumerated().filter { !$0.element.points.isEmpty }
        let legendWidth = 49 + (drawn.map { TextMetrics.width($0.element.name, size: 13) }.max() ?? 0)
        let legendHeight = 22 * Double(drawn.count) + 6
        // Inside the full-width plot if a free spot exists, else beside a narrower plot.
        var plot = PlotRect(x: left, y: top, width: w - left - right, height: h - top - bottom)
        var legend =
            drawn.isEmpty ? nil : placement(plot: plot, frame: frame).inside(width: legendWidth, height: legendHeight)
        if legend == nil && !drawn.isEmpty {
            plot.width = w - left - right - legendWidth - 16
            legend = PlotRect(x: plot.maxX + 16, y: top, width: legendWidth, height: legendHeight)
        }
        func X(_ v: Double) -> Double { plot.x + frame.x.fraction(v) * plot.width }
        func Y(_ f: Double) -> Double { plot.maxY - frame.y.fraction(f) * plot.height }
        var s = SVGElements.header(w, h, title)
        s += frame.svg(plot: plot, grid: true)
        for (label, v) in markers where v.isFinite {
            let x = X(v)
            s +=
                "<line class=\"marker\" x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(plot.maxY)\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>\n"
            s += SVGElements.text(x + 3, top + 12, label, anchor: "start", size: 11)
        }
        for (i, c) in drawn {
            let pts = c.points.filter { $0.x.isFinite && $0.fraction.isFinite }.map {
                String(format: "%.1f,%.1f", X($0.x), Y($0.fraction))
            }
            let colour = SVGElements.palette[i % SVGElements.palette.count]
            s +=
                "<polyline class=\"curve\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
        }
        if let legend {
            s += "<g class=\"legend\">\n" + SVGElements.rect(legend, fill: "white", stroke: "#999", role: "legend-box")
            for (row, (i, c)) in drawn.enumerated() {
                let colour = SVGElements.palette[i % SVGElements.palette.count]
                let ly = legend.y + 18 + Double(row) * 22
                s += SVGElements.line(legend.x + 8, ly - 4, legend.x + 33, ly - 4, colour, width: 3)
                s += SVGElements.text(legend.x + 39, ly, c.name, anchor: "start", size: 13)
            }
            s += "</g>\n"
        }
        return s + "</svg>\n"
    }

    /// The data a legend inside `plot` must not cover: the curves, the marker lines and their labels.
    func placement(plot: PlotRect, frame: AxisFrame) -> LegendPlacement {
        func X(_ v: Double) -> Double { plot.x + frame.x.fraction(v) * plot.width }
        func Y(_ f: Double) -> Double { plot.maxY - frame.y.fraction(f) * plot.height }
        var p = LegendPlacement(plot: plot)
        p.polylines = series.map {
            $0.points.filter { $0.x.isFinite && $0.fraction.isFinite }.map { (x: X($0.x), y: Y($0.fraction)) }
        }
        for (label, v) in markers where v.isFinite {
            p.polylines.append([(x: X(v), y: plot.y), (x: X(v), y: plot.maxY)])
            p.obstacles.append(
                PlotRect(
                    x: X(v) + 3, y: plot.y + 12 - TextMetrics.ascent(size: 11),
                    width: TextMetrics.width(label, size: 11), height: 11))
        }
        return p
    }
}
