import Foundation

/// The few SVG elements the charts use (document header, line, text, rectangle).
enum SVGElements {
    static func header(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + text(w / 2, 24, title, anchor: "middle", size: 16)
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ c: String, width: Double = 1) -> String {
        String(
            format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"%g\"/>\n", x1,
            y1, x2, y2, c, width)
    }

    /// A text element; `&` and `<` in `s` are escaped.
    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String, size: Int) -> String {
        String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%@\">", x, y, size, anchor)
            + escape(s) + "</text>\n"
    }

    /// A text element turned 90° anticlockwise about its anchor (a y-axis label, reading upwards), with a class.
    static func verticalText(_ x: Double, _ y: Double, _ s: String, size: Int, role: String) -> String {
        String(
            format:
                "<text class=\"%@\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">",
            role, x, y, size, x, y) + escape(s) + "</text>\n"
    }

    /// A rectangle with a class, fill and stroke.
    static func rect(_ r: PlotRect, fill: String, stroke: String, role: String) -> String {
        String(
            format:
                "<rect class=\"%@\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" stroke=\"%@\"/>\n",
            role, r.x, r.y, r.width, r.height, fill, stroke)
    }

    /// `s` with `&`, `<` and `>` escaped for SVG text.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }

    /// Line colours of successive series.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// A perceptually ordered blue → green → yellow → red ramp for t ∈ [0, 1], as `#rrggbb`.
    static func ramp(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (0.27, 0.00, 0.33), (0.23, 0.32, 0.55), (0.13, 0.57, 0.55), (0.37, 0.79, 0.38), (0.99, 0.91, 0.14),
            (0.84, 0.15, 0.16),
        ]
        let x = min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return String(
            format: "#%02x%02x%02x", Int(255 * (a.0 + (b.0 - a.0) * f)), Int(255 * (a.1 + (b.1 - a.1) * f)),
            Int(255 * (a.2 + (b.2 - a.2) * f)))
    }
}
