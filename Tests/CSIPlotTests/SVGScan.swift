import Foundation

/// Reads the pieces of a rendered chart the tests check, straight from the SVG text.
struct SVGScan {
    let svg: String

    /// A `<text class="…">` element: anchor position, font size, its visible text with the superscript apart.
    struct Label {
        var x: Double, y: Double, size: Double
        var text: String
        var superscript: String?
    }

    /// Text elements of class `role`, in document order.
    func labels(_ role: String) -> [Label] {
        let pattern =
            "<text class=\"\(role)\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\" font-size=\"([0-9.]+)\"[^>]*>(.*?)</text>"
        return matches(pattern).map { g in
            var body = g[4], sup: String?
            if let r = body.range(of: "<tspan[^>]*>(.*?)</tspan>", options: .regularExpression) {
                let inner = body[r].replacingOccurrences(of: "<tspan[^>]*>", with: "", options: .regularExpression)
                    .replacingOccurrences(of: "</tspan>", with: "")
                sup = inner
                body.removeSubrange(r)
            }
            return Label(x: Double(g[1])!, y: Double(g[2])!, size: Double(g[3])!, text: body, superscript: sup)
        }
    }

    /// Rectangles of class `role` as (x, y, width, height).
    func rects(_ role: String) -> [(x: Double, y: Double, w: Double, h: Double)] {
        matches("<rect class=\"\(role)\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\" width=\"([0-9.]+)\" height=\"([0-9.]+)\"")
            .map { (Double($0[1])!, Double($0[2])!, Double($0[3])!, Double($0[4])!) }
    }

    /// Points of every `<polyline class="curve">`.
    func curves() -> [[(x: Double, y: Double)]] {
        matches("<polyline class=\"curve\"[^>]*points=\"([^\"]*)\"").map { g in
            g[1].split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").map { Double($0)! }
                return (xy[0], xy[1])
            }
        }
    }

    /// Vertical marker lines as segments.
    func markerLines() -> [(x0: Double, y0: Double, x1: Double, y1: Double)] {
        matches("<line class=\"marker\" x1=\"([-0-9.]+)\" y1=\"([-0-9.]+)\" x2=\"([-0-9.]+)\" y2=\"([-0-9.]+)\"")
            .map { (Double($0[1])!, Double($0[2])!, Double($0[3])!, Double($0[4])!) }
    }

    /// Centres of the `<circle>` elements.
    func circles() -> [(x: Double, y: Double)] {
        matches("<circle cx=\"([-0-9.]+)\" cy=\"([-0-9.]+)\"").map { (Double($0[1])!, Double($0[2])!) }
    }

    private func matches(_ pattern: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern)
        let ns = svg as NSString
        return re.matches(in: svg, range: NSRange(location: 0, length: ns.length)).map { m in
            (0..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
        }
    }
}

/// A tick label read back as a number: the minus sign U+2212 as "-", `a×10` with superscript `n` as a·10ⁿ, `10`
/// with superscript `n` as 10ⁿ; nil when the label is not a plain decimal.
func parsedValue(_ l: SVGScan.Label) -> Double? {
    let text = l.text.replacingOccurrences(of: "\u{2212}", with: "-")
    guard let sup = l.superscript?.replacingOccurrences(of: "\u{2212}", with: "-") else {
        return text.range(of: "^-?[0-9]+(\\.[0-9]+)?$", options: .regularExpression) == nil ? nil : Double(text)
    }
    if text == "10" { return Double("1e" + sup) }
    guard text.hasSuffix("×10") else { return nil }
    return Double(text.dropLast(3) + "e" + sup)
}

/// Decimals written after the point in a plain label.
func decimals(_ text: String) -> Int {
    guard let dot = text.firstIndex(of: ".") else { return 0 }
    return text.distance(from: dot, to: text.endIndex) - 1
}
