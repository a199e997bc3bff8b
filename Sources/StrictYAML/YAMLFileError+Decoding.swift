import Yams

extension YAMLFileError {
    /// Translates a `DecodingError` into a located, readable error by walking its coding path through the
    /// composed YAML node tree.
    init(decodingError: DecodingError, root: Node, text: String, file: String) {
        let codingPath: [any CodingKey]
        let message: String
        switch decodingError {
        case .typeMismatch(let type, let ctx):
            codingPath = ctx.codingPath
            let found = Self.node(at: ctx.codingPath, in: root).map(Self.describe) ?? "nothing"
            message = "wrong type, expected \(Self.name(of: type)) (got \(found))"
        case .valueNotFound(let type, let ctx):
            codingPath = ctx.codingPath
            message = "missing value, expected \(Self.name(of: type))"
        case .keyNotFound(let key, let ctx):
            codingPath = ctx.codingPath
            message = "missing required key '\(key.stringValue)'"
        case .dataCorrupted(let ctx):
            codingPath = ctx.codingPath
            message = ctx.debugDescription
        @unknown default:
            codingPath = []
            message = "\(decodingError)"
        }
        let (node, keyMark) = Self.locate(codingPath, in: root)
        let mark = keyMark ?? node?.mark
        self.init(
            file: file, line: mark?.line, column: mark?.column,
            path: Self.dotted(codingPath), message: message,
            snippet: mark?.snippet(from: text)
        )
    }

    static func dotted(_ path: [any CodingKey]) -> String {
        var s = ""
        for key in path {
            if let i = key.intValue { s += "[\(i)]" } else { s += s.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return s
    }

    static func node(at path: [any CodingKey], in root: Node) -> Node? { locate(path, in: root).node }

    /// Follows `path` as far as it exists; returns the deepest node reached and, for a mapping key, the
    /// key's own mark (so that an unknown or wrongly typed key points at the key itself).
    static func locate(_ path: [any CodingKey], in root: Node) -> (node: Node?, keyMark: Mark?) {
        var current: Node = root
        var keyMark: Mark? = nil
        for key in path {
            if let mapping = current.mapping,
                let pair = mapping.first(where: { $0.key.string == key.stringValue })
            {
                keyMark = pair.key.mark
                current = pair.value
            } else if let index = key.intValue, let seq = current.sequence, index >= 0, index < seq.count {
                keyMark = nil
                current = seq[index]
            } else {
                return (current, keyMark)
            }
        }
        return (current, keyMark)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type, is Int64.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default:
            let n = "\(type)"
            if n.hasPrefix("Array") { return "a list" }
            if n.hasPrefix("Dictionary") || n.hasPrefix("KeyedDecodingContainer") { return "a mapping" }
            return n
        }
    }
}
