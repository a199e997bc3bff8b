import Foundation

/// The ticks of one chart axis: round values one step apart that cover the data, each with its label.
///
/// Linear axes follow Heckbert's "nice numbers" (Graphics Gems, 1990): the step is the span over (count − 1)
/// rounded to 1, 2 or 5 times a power of ten, the first tick is the largest multiple of the step at or below the
/// data and the last the smallest at or above (Heckbert first rounds the span up to a nice number too, which can
/// double the step; this omits that, so a 0…5 axis ticks every 1, not every 2).
/// Values are computed as integer × 10^e (exact powers of ten), so each value is the Double nearest to its decimal
/// label and a label parses back to exactly the value it marks. Logarithmic axes tick whole decades labelled 10ⁿ
/// (superscript powers), every 1, 2 or 5 decades when the range is wide.
package struct AxisTicks: Sendable, Equatable {
    /// Tick positions in data units (for a logarithmic axis: the values 10ⁿ themselves), ascending.
    package let values: [Double]
    /// One label per value.
    package let labels: [TickLabel]
    /// True when the axis is logarithmic (positions map through log₁₀).
    let isLogarithmic: Bool

    /// The axis range the ticks span: first to last tick.
    var range: ClosedRange<Double> { values[0]...values[values.count - 1] }

    /// The position of `v` along the axis as a fraction of the range (0 at the first tick, 1 at the last); on a
    /// logarithmic axis non-positive values map to the first tick.
    package func fraction(_ v: Double) -> Double {
        if isLogarithmic {
            let lo = log10(values[0]), hi = log10(values[values.count - 1])
            return (log10(max(v, values[0])) - lo) / (hi - lo)
        }
        return (v - values[0]) / (values[values.count - 1] - values[0])
    }

    /// Linear ticks covering `lower…upper` with about `count` ticks (at least 2). Bounds are clamped to ±10³⁰⁰ and
    /// non-finite ones fall back to 0…1; an empty (or sub-10⁻²⁰⁰) range is widened around its value so that the
    /// axis still has two ticks.
    package static func linear(covering lower: Double, _ upper: Double, count: Int = 6) -> AxisTicks {
        let limit = 1e300
        let a = lower.isFinite ? min(max(lower, -limit), limit) : (upper.isFinite ? min(max(upper, -limit), limit) : 0)
        let b = upper.isFinite ? min(max(upper, -limit), limit) : (lower.isFinite ? a : 1)
        var lo = min(a, b), hi = max(a, b)
        if !(hi - lo > max(abs(lo), abs(hi)) * 1e-12) || hi - lo < 1e-200 {
            let half = abs(lo) >= 1e-200 ? abs(lo) * 0.1 : 0.5
            (lo, hi) = (lo - half, hi + half)
        }
        let step = NiceStep(nice((hi - lo) / Double(max(count, 2) - 1)))
        var kLo = (lo / step.value + 1e-9).rounded(.down), kHi = (hi / step.value - 1e-9).rounded(.up)
        if step.multiple(kLo) > lo { kLo -= 1 }
        if step.multiple(kHi) < hi { kHi += 1 }
        let ks = Array(stride(from: kLo, through: kHi, by: 1))
        let scientific = step.exponent <= -5 || max(abs(step.multiple(kLo)), abs(step.multiple(kHi))) >= 1e7
        let labels = ks.map { scientific ? step.scientificLabel($0) : step.fixedLabel($0) }
        return AxisTicks(values: ks.map(step.multiple), labels: labels, isLogarithmic: false)
    }

    /// Decade ticks covering the positive `lower…upper` (a bound that is not finite and positive falls back to 10⁻⁴
    /// for the lower, 10² for the upper), every 1, 2, 5, 10… decades so that there are at most `maxCount` ticks.
    package static func decades(covering lower: Double, _ upper: Double, maxCount: Int = 10) -> AxisTicks {
        let a = lower.isFinite && lower > 0 ? lower : 1e-4, b = upper.isFinite && upper > 0 ? upper : 1e2
        // Exponents within ±307 keep every tick a normal, finite Double (10⁻³²⁴ is 0, 10³⁰⁹ is ∞).
        var lo = max(-307, log10(min(a, b)).rounded(.down)), hi = min(307, log10(max(a, b)).rounded(.up))
        if hi <= lo { hi = lo + 1 }
        var every = 1.0
        // 1, 2, 5 × 10ⁿ decades apart until the ticks fit (at most 615 decades: the loop ends by 1 000).
        for candidate in [1.0, 2, 5, 10, 20, 50, 100, 200, 500, 1000] {
            every = candidate
            if (hi - lo) / candidate + 1 <= Double(max(maxCount, 2)) { break }
        }
        lo = max(-307, (lo / every).rounded(.down) * every)
        hi = min(308, (hi / every).rounded(.up) * every)
        let exponents = stride(from: lo, through: hi, by: every).map { Int($0) }
        return AxisTicks(
            values: exponents.map { pow(10, Double($0)) },
            labels: exponents.map { TickLabel(text: "10", superscript: TickLabel.minusSign($0)) },
            isLogarithmic: true)
    }

    /// Heckbert's rounded nice number: 1, 2, 5 or 10 times the power of ten at or below `x`, whichever is nearest
    /// (thresholds 1.5, 3, 7 on the mantissa).
    static func nice(_ x: Double) -> Double {
        let e = log10(x).rounded(.down), f = x / pow(10, e)
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * pow(10, e)
    }
}

/// A step of 1, 2 or 5 × 10^exponent, kept as integers so that multiples are exact.
struct NiceStep {
    let mantissa: Int
    let exponent: Int

    init(_ step: Double) {
        var e = Int(log10(step).rounded(.down))
        var m = Int((step / pow(10, Double(e))).rounded())
        if m >= 10 { m /= 10; e += 1 }
        mantissa = m == 1 || m == 2 || m == 5 ? m : 1
        exponent = e
    }

    var value: Double { multiple(1) }

    /// k × step, the Double nearest to the decimal k·mantissa·10^exponent (10^n is exact for n ≤ 22).
    func multiple(_ k: Double) -> Double {
        let n = k * Double(mantissa)
        if n == 0 { return 0 }
        return exponent >= 0 ? n * pow(10, Double(exponent)) : n / pow(10, Double(-exponent))
    }

    /// k × step with exactly the decimals the step needs (0.25 → "0.25", 2 → "2", never "-0").
    func fixedLabel(_ k: Double) -> TickLabel {
        let decimals = max(-exponent, 0)
        let text = k == 0 ? String(format: "%.*f", decimals, 0.0) : String(format: "%.*f", decimals, multiple(k))
        return TickLabel(text: text.replacingOccurrences(of: "-", with: TickLabel.minus), superscript: nil)
    }

    /// k × step as d.ddd×10ⁿ from its integer digits (no rounding anywhere).
    func scientificLabel(_ k: Double) -> TickLabel {
        let n = Int(k) * mantissa
        if n == 0 { return TickLabel(text: "0", superscript: nil) }
        let digits = String(abs(n))
        var fraction = String(digits.dropFirst())
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let body = digits.prefix(1) + (fraction.isEmpty ? "" : "." + fraction)
        return TickLabel(
            text: (n < 0 ? TickLabel.minus : "") + body + "×10",
            superscript: TickLabel.minusSign(exponent + digits.count - 1))
    }
}
