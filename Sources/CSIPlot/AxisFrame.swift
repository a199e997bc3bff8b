/// The frame of a chart: tick marks, tick labels and axis labels around a plot rectangle, laid out from the
/// widths of the labels so that nothing overlaps (the y label sits clear of the widest y tick label).
struct AxisFrame {
    /// Font sizes of tick labels and axis labels.
    static let tickSize = 12, labelSize = 14
    /// Gaps: frame to tick label, tick label to axis label, axis label to the figure edge.
    static let tickGap = 7.0, labelGap = 8.0, pad = 8.0
    /// Tick mark length (outside the frame).
    static let tickLength = 4.0

    var x: AxisTicks
    var y: AxisTicks
    var xLabel: String
    var yLabel: String

    /// Width of the widest y tick label as laid out.
    var widestYTick: Double { y.labels.map { $0.width(size: Double(Self.tickSize)) }.max() ?? 0 }

    /// Space needed left of the plot: y axis label, its gap, the widest tick label, the tick gap.
    var leftMargin: Double {
        let l = Double(Self.labelSize)
        return Self.pad + TextMetrics.ascent(size: l) + TextMetrics.descent(size: l) + Self.labelGap + widestYTick
            + Self.tickGap
    }

    /// Space needed below the plot: tick labels (raised superscripts included), the x axis label.
    var bottomMargin: Double {
        let t = Double(Self.tickSize), l = Double(Self.labelSize)
        return Self.tickGap + TextMetrics.ascent(size: t) + TextMetrics.descent(size: t) + Self.labelGap
            + TextMetrics.ascent(size: l) + TextMetrics.descent(size: l) + Self.pad
    }

    /// The baseline x of the (rotated) y label for a plot whose left edge is at `plotX`: its descent side ends
    /// `labelGap` before the widest tick label begins.
    func yLabelBaseline(plotX: Double) -> Double {
        plotX - Self.tickGap - widestYTick - Self.labelGap - TextMetrics.descent(size: Double(Self.labelSize))
    }

    /// Grid lines (optional), the frame, tick marks, tick labels and axis labels for `plot`.
    func svg(plot: PlotRect, grid: Bool) -> String {
        var s = ""
        let t = Double(Self.tickSize)
        for (v, label) in zip(x.values, x.labels) {
            let px = plot.x + x.fraction(v) * plot.width
            if grid { s += SVGElements.line(px, plot.y, px, plot.maxY, "#dddddd") }
            s += SVGElements.line(px, plot.maxY, px, plot.maxY + Self.tickLength, "#333")
            s += label.svg(
                x: px, y: plot.maxY + Self.tickGap + TextMetrics.ascent(size: t), anchor: "middle", size: Self.tickSize,
                role: "xtick")
        }
        for (v, label) in zip(y.values, y.labels) {
            let py = plot.maxY - y.fraction(v) * plot.height
            if grid { s += SVGElements.line(plot.x, py, plot.maxX, py, "#dddddd") }
            s += SVGElements.line(plot.x - Self.tickLength, py, plot.x, py, "#333")
            s += label.svg(
                x: plot.x - Self.tickGap, y: py + TextMetrics.ascent(size: t) / 2, anchor: "end", size: Self.tickSize,
                role: "ytick")
        }
        s += SVGElements.rect(plot, fill: "none", stroke: "#333", role: "frame")
        let l = Double(Self.labelSize)
        let xBaseline =
            plot.maxY + Self.tickGap + TextMetrics.ascent(size: t) + TextMetrics.descent(size: t) + Self.labelGap
            + TextMetrics.ascent(size: l)
        s +=
            "<g class=\"xlabel\">"
            + SVGElements.text(plot.x + plot.width / 2, xBaseline, xLabel, anchor: "middle", size: Self.labelSize)
            + "</g>\n"
        s += SVGElements.verticalText(
            yLabelBaseline(plotX: plot.x), plot.y + plot.height / 2, yLabel, size: Self.labelSize, role: "ylabel")
        return s
    }
}
