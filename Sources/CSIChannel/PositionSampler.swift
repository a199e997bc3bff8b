import CSINumerics

/// Where to put receivers: uniformly at random, or on a regular grid (e.g. the λ/4 evaluation grids).
public enum PositionSampler {
    /// `count` points uniform in `region` (uniform in z too unless the region is flat), from `seed`.
    public static func uniform(in region: Region, count: Int, seed: UInt64) -> [Point3] {
        var rng = SeededGenerator(seed: seed, stream: 0x5053_414D) // "PSAM"
        func draw(_ r: ClosedRange<Double>) -> Double {
            r.lowerBound + (r.upperBound - r.lowerBound) * rng.nextUnit()
        }
        return (0..<count).map { _ in Point3(draw(region.x), draw(region.y), draw(region.z)) }
    }

    /// A regular grid of step `spacing` starting at the region's lower corner, x varying fastest; 2-D at
    /// the region's height when it is flat, else 3-D.
    public static func grid(in region: Region, spacing: Double) -> [Point3] {
        precondition(spacing > 0, "grid spacing must be positive")
        func axis(_ r: ClosedRange<Double>) -> [Double] {
            let n = Int(((r.upperBound - r.lowerBound) / spacing + 1e-9).rounded(.down)) + 1
            return (0..<n).map { r.lowerBound + Double($0) * spacing }
        }
        let xs = axis(region.x), ys = axis(region.y), zs = region.isFlat ? [region.z.lowerBound] : axis(region.z)
        var points: [Point3] = []
        points.reserveCapacity(xs.count * ys.count * zs.count)
        for z in zs { for y in ys { for x in xs { points.append(Point3(x, y, z)) } } }
        return points
    }

    /// Number of points `grid(in:spacing:)` would return, without allocating them; `Int.max` when that number
    /// does not fit (a tiny or non-finite spacing), so callers can bound it before anything traps.
    public static func gridCount(in region: Region, spacing: Double) -> Int {
        func n(_ r: ClosedRange<Double>) -> Int {
            let v = ((r.upperBound - r.lowerBound) / spacing + 1e-9).rounded(.down) + 1
            return v.isFinite && v >= 1 && v < 1e15 ? Int(v) : Int.max
        }
        guard spacing > 0, spacing.isFinite else { return Int.max }
        var total = 1
        for axis in [n(region.x), n(region.y), region.isFlat ? 1 : n(region.z)] {
            let (p, overflow) = total.multipliedReportingOverflow(by: axis)
            if overflow { return Int.max }
            total = p
        }
        return total
    }
}
