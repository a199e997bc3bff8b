/// Where a legend box goes: inside the plot where it covers no data, else beside it.
///
/// Candidate boxes sit in the plot's four corners and at the middles of its edges; each is scored by the data it
/// would cover (points inside, polyline segments crossing it, obstacle boxes it overlaps). The first candidate that
/// covers nothing wins (order: top-left, top-right, bottom-right, bottom-left, then the edge middles); when every
/// candidate covers something the legend is drawn outside, right of the plot, and the caller makes room for it.
struct LegendPlacement {
    /// The plot area, in pixels.
    var plot: PlotRect
    /// Isolated data points (markers, scatter dots), in pixels.
    var points: [(x: Double, y: Double)] = []
    /// Polylines drawn over the plot (curves, marker lines), in pixels.
    var polylines: [[(x: Double, y: Double)]] = []
    /// Boxes that must stay readable (annotations), in pixels.
    var obstacles: [PlotRect] = []

    /// Distance kept from the plot frame.
    static let inset = 8.0

    /// The candidates in order of preference for a box of `width` × `height`.
    func candidates(width: Double, height: Double) -> [PlotRect] {
        let i = Self.inset
        let left = plot.x + i, right = plot.maxX - i - width, top = plot.y + i, bottom = plot.maxY - i - height
        let midX = plot.x + (plot.width - width) / 2, midY = plot.y + (plot.height - height) / 2
        return [
            (left, top), (right, top), (right, bottom), (left, bottom), (midX, top), (right, midY), (midX, bottom),
            (left, midY),
        ]
        .map { PlotRect(x: $0.0, y: $0.1, width: width, height: height) }
    }

    /// How much data `box` would cover.
    func conflicts(_ box: PlotRect) -> Int {
        var n = points.reduce(0) { $0 + (box.contains($1.x, $1.y) ? 1 : 0) }
        for line in polylines {
            if line.count == 1, box.contains(line[0].x, line[0].y) { n += 1 }
            for (a, b) in zip(line, line.dropFirst()) where box.intersects(segment: a.x, a.y, b.x, b.y) { n += 1 }
        }
        return n + obstacles.reduce(0) { $0 + (box.intersects($1) ? 1 : 0) }
    }

    /// The best box inside the plot that covers nothing, or nil when every candidate covers data (or the box does
    /// not fit in the plot).
    func inside(width: Double, height: Double) -> PlotRect? {
        guard width + 2 * Self.inset <= plot.width, height + 2 * Self.inset <= plot.height else { return nil }
        return candidates(width: width, height: height).first { conflicts($0) == 0 }
    }
}
