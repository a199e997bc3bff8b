import CSIChannel
import Numerics

/// Per-path complex gains on a regular grid over a flat survey area, interpolated bilinearly: the image-source
/// model's answer to everything that makes a path's strength depend on where the receiver is — blockage
/// (a direct path that vanishes behind an obstacle), element patterns, the 0.3–1.5 dB/m drift of ray-traced
/// gains (docs/method.md §16.1b). Outside the grid the border values hold.
struct GainMap: Sendable, Equatable {
    /// Grid origin (x₀, y₀); nodes at x₀ + i·spacing, y₀ + j·spacing.
    let originX: Double, originY: Double
    let spacing: Double
    let nx: Int, ny: Int
    let paths: Int
    /// Node values, [path][j][i] complex interleaved.
    let values: [Double]

    /// The same map with every node value multiplied by `c`.
    func scaled(by c: Complex<Double>) -> GainMap {
        var v = values
        for i in Swift.stride(from: 0, to: v.count, by: 2) {
            let re = v[i], im = v[i + 1]
            v[i] = re * c.real - im * c.imaginary; v[i + 1] = re * c.imaginary + im * c.real
        }
        return GainMap(originX: originX, originY: originY, spacing: spacing, nx: nx, ny: ny, paths: paths, values: v)
    }

    init(originX: Double, originY: Double, spacing: Double, nx: Int, ny: Int, paths: Int, values: [Double]) {
        precondition(values.count == paths * nx * ny * 2, "gain map size mismatch")
        self.originX = originX; self.originY = originY; self.spacing = spacing
        self.nx = nx; self.ny = ny; self.paths = paths; self.values = values
    }

    /// The bilinear cell of `x`, the same for every path: its corner nodes (clamped to the grid) and the fractions
    /// across it. A position that is not a number (a diverged search) reads node (0, 0) instead of trapping in
    /// Int(_:).
    @usableFromInline struct Cell {
        @usableFromInline let i: Int, j: Int, i1: Int, j1: Int
        @usableFromInline let fu: Double, fv: Double
        @inlinable init(i: Int, j: Int, i1: Int, j1: Int, fu: Double, fv: Double) {
            self.i = i; self.j = j; self.i1 = i1; self.j1 = j1; self.fu = fu; self.fv = fv
        }
    }

    /// The cell of `x` (`Cell`).
    @inlinable func cell(at x: Point3) -> Cell {
        let ru = (x.x - originX) / spacing, rv = (x.y - originY) / spacing
        let u = ru.isNaN ? 0 : min(max(ru, 0), Double(nx - 1))
        let v = rv.isNaN ? 0 : min(max(rv, 0), Double(ny - 1))
        let i = min(Int(u), max(nx - 2, 0)), j = min(Int(v), max(ny - 2, 0))
        let fu = nx > 1 ? u - Double(i) : 0, fv = ny > 1 ? v - Double(j) : 0
        return Cell(i: i, j: j, i1: min(i + 1, nx - 1), j1: min(j + 1, ny - 1), fu: fu, fv: fv)
    }

    /// Node (`a`, `b`) of `path`.
    @inlinable func node(_ l: Int, _ a: Int, _ b: Int) -> Complex<Double> {
        let k = 2 * ((l * ny + b) * nx + a)
        return Complex(values[k], values[k + 1])
    }

    /// Gain of `path` in cell `c` (bilinear).
    @inlinable func value(path l: Int, cell c: Cell) -> Complex<Double> {
        let fu = c.fu, fv = c.fv
        return node(l, c.i, c.j) * Complex((1 - fu) * (1 - fv), 0) + node(l, c.i1, c.j) * Complex(fu * (1 - fv), 0)
            + node(l, c.i, c.j1) * Complex((1 - fu) * fv, 0) + node(l, c.i1, c.j1) * Complex(fu * fv, 0)
    }

    /// Gain of `path` at `x` and its derivatives along x and y.
    @inlinable func gain(
        path l: Int, at x: Point3
    ) -> (value: Complex<Double>, dx: Complex<Double>, dy: Complex<Double>) {
        let c = cell(at: x), fu = c.fu, fv = c.fv
        let g00 = node(l, c.i, c.j), g10 = node(l, c.i1, c.j), g01 = node(l, c.i, c.j1), g11 = node(l, c.i1, c.j1)
        let value = self.value(path: l, cell: c)
        // Inside the grid the bilinear surface has these slopes; clamped outside, the slope is zero.
        let insideX = (x.x - originX) / spacing > 0 && (x.x - originX) / spacing < Double(nx - 1)
        let insideY = (x.y - originY) / spacing > 0 && (x.y - originY) / spacing < Double(ny - 1)
        let dx =
            insideX
            ? ((g10 - g00) * Complex(1 - fv, 0) + (g11 - g01) * Complex(fv, 0)) * Complex(1 / spacing, 0) : .zero
        let dy =
            insideY
            ? ((g01 - g00) * Complex(1 - fu, 0) + (g11 - g10) * Complex(fu, 0)) * Complex(1 / spacing, 0) : .zero
        return (value, dx, dy)
    }
}
