import Foundation

/// Points over a rectangle (x right, y up) coloured by log₁₀ of a positive value on a fixed decade range, with
/// a colour bar; SVG. Points whose value is not finite are left out.
public struct ScatterMapChart: Sendable {
    var title: String
    /// (x, y, value) per point.
    var points: [(x: Double, y: Double, value: Double)]
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    /// Decades of the colour scale: log₁₀ of the value at the bottom and at the top of the bar.
    package var decades: ClosedRange<Double>
    /// Unit after each colour-bar label (`10^-2 cm`), and the axis labels.
    var valueUnit: String
    var xLabel: String
    var yLabel: String

    /// Creates a chart of (x, y, value) points over the given axis ranges, values coloured on a log₁₀ scale.
    public init(
        title: String, points: [(x: Double, y: Double, value: Double)], xRange: ClosedRange<Double>,
        yRange: ClosedRange<Double>,
        decades: ClosedRange<Double>, valueUnit: String, xLabel: String, yLabel: String
    ) {
        self.title = title
        self.points = points
        self.xRange = xRange
        self.yRange = yRange
        self.decades = decades
        self.valueUnit = valueUnit
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The chart: x and y ticks in round steps covering the ranges (one scale for both axes, so distances read
    /// true), points coloured by log₁₀ value, and a colour bar with one tick per decade (10ⁿ with the unit).
    public func svg() -> String {
        let top = 40.0, plotSize = 440.0
        let frame = AxisFrame(
            x: .linear(covering: xRange.lowerBound, xRange.upperBound),
            y: .linear(covering: yRange.lowerBound, yRange.upperBound), xLabel: xLabel, yLabel: yLabel)
        let left = frame.leftMargin
        let sx = frame.x.range.upperBound - frame.x.range.lowerBound,
            sy = frame.y.range.upperBound - frame.y.range.lowerBound
        let scale = plotSize / max(sx, sy)
        let plot = PlotRect(x: left, y: top, width: sx * scale, height: sy * scale)
        func X(_ v: Double) -> Double { plot.x + (v - frame.x.range.lowerBound) * scale }
        func Y(_ v: Double) -> Double { plot.maxY - (v - frame.y.range.lowerBound) * scale }
        let bar = AxisTicks.decades(covering: pow(10, decades.lowerBound), pow(10, decades.upperBound), maxCount: 12)
        let lo = log10(bar.values[0]), hi = log10(bar.values[bar.values.count - 1])
        let unitWidth = TextMetrics.width(" " + valueUnit, size: 11)
        let barX = plot.maxX + 30, barLabelWidth = (bar.labels.map { $0.width(size: 11) }.max() ?? 0) + unitWidth
        let w = (barX + 18 + 6 + barLabelWidth + AxisFrame.pad).rounded(.up),
            h = (plot.maxY + frame.bottomMargin).rounded(.up)
        var s = SVGElements.header(w, h, title)
        s += SVGElements.rect(plot, fill: "#f7f7f7", stroke: "none", role: "background")
        let radius = max(1.5, min(5, plotSize / Double(max(points.count, 1)).squareRoot() / 3))
        for p in points where p.value.isFinite && p.x.isFinite && p.y.isFinite {
            let t = (log10(max(p.value, 1e-300)) - lo) / (hi - lo)
            s += String(
                format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\"/>\n", X(p.x), Y(p.y), radius,
                SVGElements.ramp(t))
        }
        s += frame.svg(plot: plot, grid: false)
        // Colour bar, as tall as the plot.
        let bh = plot.height
        for i in 0..<100 {
            let t = Double(i) / 99
            s += String(
                format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.2f\" fill=\"%@\"/>\n", barX,
                top + (1 - t) * bh - bh / 100, bh / 100 + 0.5, SVGElements.ramp(t))
        }
        for (v, label) in zip(bar.values, bar.labels) {
            let y = plot.maxY - bar.fraction(v) * bh
            s += SVGElements.line(barX + 18, y, barX + 22, y, "#333")
            s += label.svg(x: barX + 24, y: y + 4, anchor: "start", size: 11, role: "bartick", suffix: " " + valueUnit)
        }
        return s + "</svg>\n"
    }
}
