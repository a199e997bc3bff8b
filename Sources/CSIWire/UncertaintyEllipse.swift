import Foundation

/// A horizontal uncertainty ellipse (3GPP GAD style) derived from the xy block of a position covariance.
///
/// For the 2×2 covariance `[[a, b], [b, c]]` with eigenvalues `λ₁ ≥ λ₂`, the ellipse that contains the true
/// position with probability `p` (Gaussian error, chi-square with 2 degrees of freedom) has semi-axes
/// `k·√λ₁` and `k·√λ₂` with `k = √(−2 ln(1 − p))`, and its major axis points at
/// `θ = ½·atan2(2b, a − c)`, reported in degrees counter-clockwise from +x, normalized to `[0, 180)`.
public struct UncertaintyEllipse: Sendable, Hashable {
    /// Semi-major axis, metres.
    public var semiMajorM: Double
    /// Semi-minor axis, metres.
    public var semiMinorM: Double
    /// Direction of the major axis, degrees counter-clockwise from +x, in `[0, 180)`.
    public var orientationDeg: Double
    /// Probability mass inside the ellipse, in `(0, 1)` (e.g. 0.95).
    public var confidence: Double

    /// Creates an ellipse from its parameters as given.
    public init(semiMajorM: Double, semiMinorM: Double, orientationDeg: Double, confidence: Double) {
        self.semiMajorM = semiMajorM
        self.semiMinorM = semiMinorM
        self.orientationDeg = orientationDeg
        self.confidence = confidence
    }

    /// The scale factor `k = √(−2 ln(1 − p))` for a 2-D Gaussian; `nil` unless `0 < p < 1`.
    /// (`p = 0.95` → `k ≈ 2.4477`; `p = 1 − e^{-1/2} ≈ 0.3935` → `k = 1`.)
    static func scaleFactor(confidence p: Double) -> Double? {
        guard p > 0, p < 1 else { return nil }
        return (-2 * log1p(-p)).squareRoot()
    }

    /// The ellipse of a row-major 2×2 (4 values) or 3×3 (9 values, xy block used) covariance in m².
    ///
    /// The off-diagonal is symmetrized (`b = (c₀₁ + c₁₀)/2`). Returns `nil` when the covariance has another
    /// size, a non-finite entry, a negative variance, or is clearly not positive semi-definite (smallest
    /// eigenvalue below `−1e-9·λ₁`; tinier negative rounding noise is clamped to 0), or when the confidence
    /// is outside `(0, 1)`.
    public init?(covariance: [Double], confidence: Double) {
        let a: Double
        let b: Double
        let c: Double
        switch covariance.count {
        case 4: (a, b, c) = (covariance[0], (covariance[1] + covariance[2]) / 2, covariance[3])
        case 9: (a, b, c) = (covariance[0], (covariance[1] + covariance[3]) / 2, covariance[4])
        default: return nil
        }
        guard a.isFinite, b.isFinite, c.isFinite, a >= 0, c >= 0,
            let k = UncertaintyEllipse.scaleFactor(confidence: confidence)
        else { return nil }
        let mean = (a + c) / 2
        let radius = hypot((a - c) / 2, b)
        let major = mean + radius
        var minor = mean - radius
        guard minor >= -1e-9 * max(major, .leastNormalMagnitude) else { return nil }
        minor = max(minor, 0)

        var degrees = 0.5 * atan2(2 * b, a - c) * 180 / Double.pi
        if degrees < 0 { degrees += 180 }
        if degrees >= 180 { degrees -= 180 }
        if degrees == 0 { degrees = 0 } // no "-0.0" in JSON
        self.init(
            semiMajorM: k * major.squareRoot(),
            semiMinorM: k * minor.squareRoot(),
            orientationDeg: degrees,
            confidence: confidence)
    }
}
