import Foundation

/// Where a channel model is good and where it is poor: the validation NMSE per cell of a regular grid over the
/// training region (docs/model.md, "Quality map"). Recorded in model files (header `quality`) by `csiloc train`,
/// drawn by `csiloc eval --map`, and used by localizers to judge a fix (docs/localization.md, "Uncertainty and
/// status"): a correct fix leaves the noise *plus* the model's local error.
///
/// Each cell holds the mean per-sample NMSE (‖H − Ĥ‖²/‖H‖², nuisance removed when the model has one) of the
/// validation samples it pools, the standard deviation of their natural logarithm (the spread of the model
/// error between positions), and the fraction of them the localizer gets wrong (gross errors, > λ₀/2). A cell with too few samples of its own pools its neighbours' (rings of cells around
/// it until `minimumSamples` are reached), so every cell has a value; `samples` counts what it pooled.
public struct ModelQualityMap: Codable, Sendable, Equatable {
    /// Lower corner of the grid, m ([x, y, z]).
    public var lower: [Double]
    /// Cell size per axis, m ([x, y, z]; > 0).
    public var cell: [Double]
    /// Cells per axis ([nx, ny, nz]), x fastest in the arrays below.
    public var shape: [Int]
    /// Mean per-sample NMSE (linear) of each cell.
    public var nmse: [Double]
    /// Standard deviation of ln(per-sample NMSE) of each cell.
    public var logSpread: [Double]
    /// Fraction (0…1) of each cell's validation samples that the localizer placed more than λ₀/2 from their truth
    /// (nil when not measured): the chance that a fix there is a neighbouring minimum however well it fits.
    public var ambiguity: [Double]?
    /// Validation samples pooled by each cell.
    public var samples: [Int]

    /// Creates a map from its grid and per-cell arrays, one entry per cell (`build` measures one).
    public init(
        lower: [Double], cell: [Double], shape: [Int], nmse: [Double], logSpread: [Double], ambiguity: [Double]? = nil,
        samples: [Int]
    ) {
        self.lower = lower; self.cell = cell; self.shape = shape; self.nmse = nmse; self.logSpread = logSpread
        self.ambiguity = ambiguity; self.samples = samples
    }

    /// Samples a cell should pool: enough for its mean NMSE to be within ≈ ±1 dB when per-sample NMSEs spread by
    /// ≈ 5 dB (a standard error of σ/√20 ≈ 0.22 σ).
    public static let defaultMinimumSamples = 20
    /// Most cells a map may hold (files are checked against it).
    public static let maxCells = 1 << 16

    /// Number of cells (nx·ny·nz).
    public var cellCount: Int { shape.reduce(1, *) }

    /// Centre of cell (i, j, k).
    public func center(_ i: Int, _ j: Int, _ k: Int) -> Point3 {
        Point3(
            lower[0] + (Double(i) + 0.5) * cell[0], lower[1] + (Double(j) + 0.5) * cell[1],
            lower[2] + (Double(k) + 0.5) * cell[2])
    }

    /// Flat index of cell (i, j, k).
    @inlinable public func index(_ i: Int, _ j: Int, _ k: Int) -> Int { (k * shape[1] + j) * shape[0] + i }

    /// The cell holding `p` (clamped to the grid: a point outside gets its nearest cell).
    public func cellIndices(of p: Point3) -> (Int, Int, Int) {
        func axis(_ a: Int) -> Int {
            let t = (p[a] - lower[a]) / cell[a]
            guard t.isFinite else { return 0 }
            return min(shape[a] - 1, max(0, Int(t.rounded(.down))))
        }
        return (axis(0), axis(1), axis(2))
    }

    /// The local model quality at `p`: NMSE, log-spread and ambiguity interpolated multilinearly between cell centres
    /// (constant beyond the outermost centres), so the value varies continuously along a search path. Linear in
    /// the NMSE itself, not its logarithm: between an exact cell and a poor one the allowance stays a fraction of
    /// the poor cell's, not a geometric mean that an exact cell would drive to zero.
    public func local(at p: Point3) -> (nmse: Double, logSpread: Double, ambiguity: Double) {
        var lo = [0, 0, 0], w = [0.0, 0.0, 0.0]
        for a in 0..<3 {
            let t = (p[a] - lower[a]) / cell[a] - 0.5
            let n = shape[a]
            if !t.isFinite || n == 1 || t <= 0 {
                lo[a] = 0; w[a] = 0
            } else if t >= Double(n - 1) {
                lo[a] = n - 1; w[a] = 0
            } else {
                lo[a] = Int(t.rounded(.down)); w[a] = t - Double(lo[a])
            }
        }
        var value = 0.0, spread = 0.0, fooled = 0.0
        for corner in 0..<8 {
            var weight = 1.0, idx = [0, 0, 0]
            for a in 0..<3 {
                let up = (corner >> a) & 1 == 1
                if up && w[a] == 0 { weight = 0; break }
                weight *= up ? w[a] : 1 - w[a]
                idx[a] = lo[a] + (up ? 1 : 0)
            }
            guard weight > 0 else { continue }
            let c = index(idx[0], idx[1], idx[2])
            value += weight * nmse[c]
            spread += weight * logSpread[c]
            fooled += weight * (ambiguity?[c] ?? 0)
        }
        return (value, spread, fooled)
    }

    /// The per-sample NMSE a given fraction of correct fixes stay below: the cell's NMSE taken as log-normal
    /// (mean `nmse`, log-spread s), its quantile at `sigmas` standard deviations of the log,
    /// exp(ln nmse − s²/2 + sigmas·s).
    public static func quantile(nmse: Double, logSpread s: Double, sigmas: Double) -> Double {
        Foundation.exp(Foundation.log(max(nmse, .leastNormalMagnitude)) - s * s / 2 + sigmas * s)
    }

    /// The median of the cells' NMSE (cells that pooled samples).
    public var medianNMSE: Double {
        let v = zip(nmse, samples).filter { $0.1 > 0 }.map(\.0).sorted()
        guard !v.isEmpty else { return .nan }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }
}
