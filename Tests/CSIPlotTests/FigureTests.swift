import CSINumerics
import Foundation
import Testing

@testable import CSIPlot

/// Every figure type rendered and read back from its SVG: ticks, labels, the y label's clearance, the legend.
struct FigureTests {
    /// The empirical CDF of `values` as chart points.
    static func cdf(_ values: [Double]) -> [(x: Double, fraction: Double)] {
        values.sorted().enumerated().map { (x: $0.element, fraction: Double($0.offset + 1) / Double(values.count)) }
    }

    /// Log-normal errors (cm) around `median`.
    static func errors(_ n: Int, median: Double, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in median * exp(1.2 * rng.nextGaussian()) }
    }

    /// Checks that the tick labels of `role` are a 1-2-5 progression (linear) or whole decades (log) covering
    /// `lo…hi`, each parsing exactly to a multiple of the step.
    static func checkTicks(_ labels: [SVGScan.Label], covering lo: Double, _ hi: Double, log: Bool) {
        let values = labels.map { parsedValue($0) }
        #expect(values.allSatisfy { $0 != nil } && values.count >= 2, "unparsable labels \(labels.map(\.text))")
        let v = values.compactMap { $0 }.map { log ? log10($0) : $0 }
        guard v.count >= 2 else { return }
        #expect(
            v.first! <= (log ? log10(lo) : lo) + 1e-12 && v.last! >= (log ? log10(hi) : hi) - 1e-12,
            "\(v) vs \(lo)…\(hi)")
        let step = v[1] - v[0], e = log10(step * (1 + 1e-9)).rounded(.down), m = step / pow(10, e)
        #expect([1.0, 2, 5].contains { abs(m - $0) < 1e-9 }, "step \(step)")
        for (a, b) in zip(v, v.dropFirst()) { #expect(abs(b - a - step) <= 1e-9 * step, "uneven \(v)") }
        for x in v { #expect(abs(x / step - (x / step).rounded()) < 1e-9, "\(x) not a multiple of \(step)") }
        if log { #expect(labels.allSatisfy { $0.text == "10" && $0.superscript != nil }) }
    }

    /// The rotated y label's right side (baseline + descent) stays left of every y tick label's left edge.
    static func checkYLabelClear(_ scan: SVGScan) {
        let ylabel = scan.labels("ylabel")
        #expect(ylabel.count == 1)
        guard let label = ylabel.first else { return }
        for tick in scan.labels("ytick") {
            let width = TickLabel(text: tick.text, superscript: tick.superscript).width(size: tick.size)
            #expect(
                label.x + TextMetrics.descent(size: label.size) < tick.x - width,
                "y label at \(label.x) on tick \(tick.text)")
            #expect(label.x - TextMetrics.ascent(size: label.size) >= 0, "y label off the figure")
        }
    }

    /// No curve sample inside the legend box and no curve or marker segment through it (segments sampled
    /// every 0.25 px, independently of the placement code).
    static func checkLegendClear(_ scan: SVGScan) {
        let boxes = scan.rects("legend-box")
        #expect(boxes.count == 1)
        guard let b = boxes.first else { return }
        func inside(_ x: Double, _ y: Double) -> Bool { x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h }
        var segments = scan.markerLines().map { ((x: $0.x0, y: $0.y0), (x: $0.x1, y: $0.y1)) }
        for c in scan.curves() { segments += zip(c, c.dropFirst()).map { ($0, $1) } }
        for (p, q) in segments {
            let n = max(1, Int((hypot(q.x - p.x, q.y - p.y) / 0.25).rounded(.up)))
            let hit = (0...n).contains { i in
                let t = Double(i) / Double(n)
                return inside(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y))
            }
            #expect(!hit, "legend \(b) covers the segment \(p)–\(q)")
        }
    }

    @Test func cdfChartTicksLabelsAndLegend() {
        let a = Self.errors(400, median: 0.3, seed: 1), b = Self.errors(300, median: 4, seed: 2)
        let all = a + b
        let chart = CDFChart(
            title: "errors",
            series: [.init(name: "robust", points: Self.cdf(a)), .init(name: "grid search", points: Self.cdf(b))],
            markers: [("λ₀/2", 6.25), ("λ₀", 12.5)], extent: (all.min(), all.max()),
            xLabel: "localization error (cm, log scale)", yLabel: "fraction of points ≤ error")
        let scan = SVGScan(svg: chart.svg())
        Self.checkTicks(scan.labels("xtick"), covering: all.min()!, max(all.max()!, 12.5), log: true)
        Self.checkTicks(scan.labels("ytick"), covering: 0, 1, log: false)
        Self.checkYLabelClear(scan)
        Self.checkLegendClear(scan)
        // Room inside the plot: the legend is within the frame.
        let frame = scan.rects("frame")[0], legend = scan.rects("legend-box")[0]
        #expect(legend.x >= frame.x && legend.x + legend.w <= frame.x + frame.w)
    }

    @Test func cdfLegendGoesOutsideWhenEveryCornerHasData() {
        // Curves that sweep every corner: a zig-zag through the whole plot in each series.
        let zigzag: [(x: Double, fraction: Double)] = (0...60).map { i in
            (x: pow(10, -3 + 5 * Double(i) / 60), fraction: i % 2 == 0 ? 0.0 : 1.0)
        }
        let flat0 = [(x: 1e-3, fraction: 0.02), (x: 1e2, fraction: 0.02)],
            flat1 = [(x: 1e-3, fraction: 0.98), (x: 1e2, fraction: 0.98)]
        let chart = CDFChart(
            title: "busy",
            series: [
                .init(name: "zig", points: zigzag), .init(name: "low", points: flat0),
                .init(name: "high", points: flat1),
            ],
            markers: [], extent: (1e-3, 1e2), xLabel: "x", yLabel: "y")
        let scan = SVGScan(svg: chart.svg())
        Self.checkLegendClear(scan)
        let frame = scan.rects("frame")[0], legend = scan.rects("legend-box")[0]
        #expect(legend.x > frame.x + frame.w, "legend inside a full plot")
    }

    @Test func scatterMapTicksAndLabels() {
        var rng = SeededGenerator(seed: 7)
        let (x0, x1, y0, y1) = (-0.020304, 4.99869, 2.36748e-05, 3.2)
        let points = (0..<300).map { _ in
            (
                x: x0 + (x1 - x0) * rng.nextUnit(), y: y0 + (y1 - y0) * rng.nextUnit(),
                value: pow(10, rng.nextUnit() * 6 - 4)
            )
        }
        let chart = ScatterMapChart(
            title: "map", points: points, xRange: x0...x1, yRange: y0...y1, decades: -4...2,
            valueUnit: "cm", xLabel: "x (m)", yLabel: "y (m)")
        let scan = SVGScan(svg: chart.svg())
        Self.checkTicks(scan.labels("xtick"), covering: x0, x1, log: false)
        Self.checkTicks(scan.labels("ytick"), covering: y0, y1, log: false)
        #expect(scan.labels("xtick").map(\.text) == ["\u{2212}1", "0", "1", "2", "3", "4", "5"])
        let bar = scan.labels("bartick")
        #expect(
            bar.map { $0.superscript ?? "" } == ["\u{2212}4", "\u{2212}3", "\u{2212}2", "\u{2212}1", "0", "1", "2"])
        #expect(bar.allSatisfy { $0.text == "10 cm" })
        Self.checkYLabelClear(scan)
        // Every point drawn inside the frame (the axes cover the region).
        let frame = scan.rects("frame")[0]
        for c in scan.circles() {
            #expect(
                c.x >= frame.x - 0.1 && c.x <= frame.x + frame.w + 0.1 && c.y >= frame.y - 0.1
                    && c.y <= frame.y + frame.h + 0.1)
        }
    }

    @Test func heatmapColourBarsTickInsideTheirRanges() {
        let n = 20
        let values = (0..<(n * n)).map { Double($0 % n) * 0.37 - 2.1 }
        let panels = [
            Heatmap(
                width: n, height: n, values: values, colorMap: .diverging, title: "Re h", range: -2.36748...2.36748),
            Heatmap(width: n, height: n, values: values, colorMap: .magnitude, title: "dB", range: -61.3...(-1.3)),
        ]
        let scan = SVGScan(svg: FigureSVG.panels(panels, caption: "c", pixel: 4))
        let ticks = scan.labels("bartick")
        let ranges = [-2.36748...2.36748, -61.3...(-1.3)]
        // The two bars' labels, split where the value drops back.
        var groups: [[SVGScan.Label]] = [[]]
        for t in ticks {
            if let last = groups[groups.count - 1].last, parsedValue(t)! < parsedValue(last)! { groups.append([]) }
            groups[groups.count - 1].append(t)
        }
        #expect(groups.count == 2)
        for (g, r) in zip(groups, ranges) {
            let v = g.compactMap { parsedValue($0) }
            #expect(v.count == g.count && v.count >= 3 && v.allSatisfy { r.contains($0) }, "\(v) in \(r)")
            let step = v[1] - v[0], e = log10(step * (1 + 1e-9)).rounded(.down)
            #expect([1.0, 2, 5].contains { abs(step / pow(10, e) - $0) < 1e-9 })
        }
    }
}
