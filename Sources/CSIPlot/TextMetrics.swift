/// Text extents for layout without a font engine: advance widths of a sans-serif face (Helvetica/Arial metrics,
/// in ems), rounded up, so that reserved space is never smaller than the drawn text. Characters outside the table
/// count as one em (wide glyphs such as CJK or symbols).
enum TextMetrics {
    /// Advance width of `text` in pixels at font size `size`.
    static func width(_ text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + em($1) } * size
    }

    /// Height above the baseline of digits and capitals, in pixels at `size`.
    static func ascent(size: Double) -> Double { 0.75 * size }

    /// Depth below the baseline of descenders, in pixels at `size`.
    static func descent(size: Double) -> Double { 0.25 * size }

    static func em(_ c: Unicode.Scalar) -> Double {
        switch c {
        case "0"..."9", "$", "_": return 0.56
        case ".", ",", ":", ";", " ", "!", "|", "i", "j", "l", "I", "'": return 0.28
        case "f", "t", "r", "(", ")", "[", "]", "-", "/", "\\": return 0.34
        case "m", "M", "W", "w", "@", "%": return 0.89
        case "a"..."z", "≤", "≥", "±", "=", "+", "×", "−", "<", ">", "~", "^", "*", "#", "?": return 0.6
        case "A"..."Z", "&": return 0.72
        default: return c.value < 0x2000 ? 0.7 : 1.0
        }
    }
}
