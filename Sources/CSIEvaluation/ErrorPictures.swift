public import CSIChannel
import CSIPlot
import Foundation

/// The error pictures of the localization commands, drawn by CSIPlot from results: CDFs on a log axis (cm)
/// with λ₀/2 and λ₀ marked, and a map of the test positions coloured by error.
public enum ErrorPictures {
    /// Error CDFs of several methods (the CDF points of ``EmpiricalDistribution`` over the finite errors).
    public static func cdf(_ results: [MethodResult], wavelength: Double, title: String) -> String {
        let all = results.flatMap(\.errors).filter { $0.isFinite && $0 > 0 }.map { $0 * 100 }
        let series = results.map { r in
            CDFChart.Series(
                name: r.name,
                points: EmpiricalDistribution(r.errors.filter(\.isFinite)).cdfPoints(maxPoints: 800)
                    .map { (x: $0.value * 100, fraction: $0.fraction) })
        }
        return CDFChart(
            title: title, series: series, markers: [("λ₀/2", wavelength / 2 * 100), ("λ₀", wavelength * 100)],
            extent: (all.min(), all.max()), xLabel: "localization error (cm, log scale)",
            yLabel: "fraction of points ≤ error"
        ).svg()
    }

    /// Scatter of the test positions coloured by log₁₀ error (cm, 1 µm … 1 m), over the region.
    public static func map(_ r: MethodResult, truth: [Point3], region: Region, title: String) -> String {
        ScatterMapChart(
            title: title, points: zip(truth, r.errors).map { (x: $0.x, y: $0.y, value: $1 * 100) },
            xRange: region.x, yRange: region.y, decades: -4...2, valueUnit: "cm", xLabel: "x (m)", yLabel: "y (m)"
        ).svg()
    }

    /// Writes `svg` to `path`.
    public static func write(_ svg: String, to path: String) throws {
        try svg.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
