/// An axis-aligned rectangle in SVG pixels (y down), and the hit tests legend placement needs.
struct PlotRect: Sendable, Equatable {
    var x: Double, y: Double, width: Double, height: Double

    init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    var maxX: Double { x + width }
    var maxY: Double { y + height }

    /// True when the point lies inside or on the border.
    func contains(_ px: Double, _ py: Double) -> Bool { px >= x && px <= maxX && py >= y && py <= maxY }

    /// True when the rectangles overlap (touching borders count).
    func intersects(_ o: PlotRect) -> Bool { x <= o.maxX && o.x <= maxX && y <= o.maxY && o.y <= maxY }

    /// True when the segment from (x0, y0) to (x1, y1) meets the rectangle (Liang–Barsky clipping).
    func intersects(segment x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Bool {
        var t0 = 0.0, t1 = 1.0
        let dx = x1 - x0, dy = y1 - y0
        for (p, q) in [(-dx, x0 - x), (dx, maxX - x0), (-dy, y0 - y), (dy, maxY - y0)] {
            if p == 0 {
                if q < 0 { return false }
            } else {
                let r = q / p
                if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
                if t0 > t1 { return false }
            }
        }
        return true
    }
}
