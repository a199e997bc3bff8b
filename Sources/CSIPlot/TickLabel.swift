import Foundation

/// A tick label: text, optionally followed by a superscript (the power of `10ⁿ`, drawn raised and smaller).
package struct TickLabel: Sendable, Equatable {
    /// The text on the baseline ("0.25", "10", "2.5×10"); negative numbers use the minus sign U+2212.
    package let text: String
    /// The raised part (an exponent such as "−3"), if any.
    package let superscript: String?

    package init(text: String, superscript: String?) {
        self.text = text
        self.superscript = superscript
    }

    /// The typographic minus sign used in labels.
    static let minus = "\u{2212}"

    /// `n` with a typographic minus when negative.
    static func minusSign(_ n: Int) -> String { n < 0 ? minus + String(-n) : String(n) }

    /// Font size of the superscript relative to the label's.
    static let superscriptScale = 0.7

    /// Width of the label in pixels at font size `size`, as the chart layouts reserve it.
    func width(size: Double) -> Double {
        TextMetrics.width(text, size: size)
            + (superscript.map { TextMetrics.width($0, size: size * Self.superscriptScale) } ?? 0)
    }

    /// The label as an SVG text element of class `role` (`&` and `<` escaped), the superscript as a raised, smaller
    /// tspan, then `suffix` (a unit) back on the baseline.
    func svg(x: Double, y: Double, anchor: String, size: Int, role: String, suffix: String = "") -> String {
        var s = String(
            format: "<text class=\"%@\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%@\">", role, x, y, size,
            anchor)
        s += SVGElements.escape(text)
        if let superscript {
            s += String(
                format: "<tspan baseline-shift=\"super\" font-size=\"%.1f\">", Double(size) * Self.superscriptScale)
            s += SVGElements.escape(superscript) + "</tspan>"
        }
        return s + SVGElements.escape(suffix) + "</text>\n"
    }
}
