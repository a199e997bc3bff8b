/// The subset of Python literals that appear in `.npy` headers.
indirect enum PyLiteral: Equatable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PyLiteral])
    case list([PyLiteral])
    case dict([(String, PyLiteral)])

    static func == (lhs: PyLiteral, rhs: PyLiteral) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.none, .none): return true
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)): return a == b
        case let (.dict(a), .dict(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

/// A small strict recursive-descent parser for Python literals: strings in either quote style, integers (with
/// Python 2's `L` suffix), `True`/`False`/`None`, tuples (a parenthesised single value without a comma is just
/// that value, as in Python), lists and dicts with string keys; trailing commas and whitespace allowed.
struct PyLiteralParser {
    struct Problem: Error {
        var message: String
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0
    private static let maxDepth = 32

    private init(_ text: String) { scalars = Array(text.unicodeScalars) }

    /// Parses one literal that must span the whole text apart from surrounding whitespace.
    static func parseAll(_ text: String) throws(Problem) -> PyLiteral {
        var parser = PyLiteralParser(text)
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.scalars.count else { throw parser.problem("unexpected text after the literal") }
        return value
    }

    private func problem(_ message: String) -> Problem {
        Problem(message: "\(message) at character \(index)")
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
    }

    private mutating func expect(_ c: Unicode.Scalar) throws(Problem) {
        skipWhitespace()
        guard current == c else { throw problem("expected '\(c)'") }
        index += 1
    }

    private mutating func value() throws(Problem) -> PyLiteral {
        skipWhitespace()
        guard let c = current else { throw problem("unexpected end of text") }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw problem("nesting too deep") }
        switch c {
        case "{": return try dict()
        case "(": return try sequence(close: ")", isTuple: true)
        case "[": return try sequence(close: "]", isTuple: false)
        case "'", "\"": return .string(try string())
        case "-", "0"..."9": return .int(try integer())
        default:
            for (word, literal) in [("True", PyLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
            where matches(word) {
                index += word.unicodeScalars.count
                return literal
            }
            throw problem("unexpected character '\(c)'")
        }
    }

    private func matches(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard index + w.count <= scalars.count, Array(scalars[index..<index + w.count]) == w else { return false }
        // A keyword must not run on into an identifier (`Truex`).
        if let next = index + w.count < scalars.count ? scalars[index + w.count] : nil,
            next.properties.isAlphabetic || next == "_" || ("0"..."9").contains(next)
        {
            return false
        }
        return true
    }

    private mutating func string() throws(Problem) -> String {
        let quote = scalars[index]
        index += 1
        var out = String.UnicodeScalarView()
        while let c = current {
            index += 1
            if c == quote { return String(out) }
            if c == "\\" {
                guard let escaped = current else { break }
                index += 1
                out.append(escaped)
            } else if c == "\n" {
                throw problem("newline inside a string")
            } else {
                out.append(c)
            }
        }
        throw problem("unterminated string")
    }

    private mutating func integer() throws(Problem) -> Int {
        var negative = false
        if current == "-" {
            negative = true
            index += 1
        }
        var value = 0
        var digits = 0
        while let c = current, ("0"..."9").contains(c) {
            let digit = Int(c.value - 48)
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            guard !o1 && !o2 else { throw problem("integer too large") }
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw problem("expected digits") }
        if current == "L" || current == "l" { index += 1 } // Python 2 long suffix, found in old files
        return negative ? -value : value
    }

    /// A tuple or list; for `(`, a single element without a comma is a parenthesised value, not a tuple.
    private mutating func sequence(close: Unicode.Scalar, isTuple: Bool) throws(Problem) -> PyLiteral {
        index += 1
        var items: [PyLiteral] = []
        var sawComma = false
        while true {
            skipWhitespace()
            if current == close {
                index += 1
                break
            }
            items.append(try value())
            skipWhitespace()
            if current == "," {
                index += 1
                sawComma = true
            } else if current != close {
                throw problem("expected ',' or '\(close)'")
            }
        }
        if !isTuple { return .list(items) }
        if items.count == 1 && !sawComma { return items[0] }
        return .tuple(items)
    }

    private mutating func dict() throws(Problem) -> PyLiteral {
        index += 1
        var items: [(String, PyLiteral)] = []
        while true {
            skipWhitespace()
            if current == "}" {
                index += 1
                return .dict(items)
            }
            guard current == "'" || current == "\"" else { throw problem("expected a string key") }
            let key = try string()
            guard !items.contains(where: { $0.0 == key }) else { throw problem("duplicate key '\(key)'") }
            try expect(":")
            items.append((key, try value()))
            skipWhitespace()
            if current == "," {
                index += 1
            } else if current != "}" {
                throw problem("expected ',' or '}'")
            }
        }
    }
}
