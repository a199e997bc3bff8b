internal import CYaml

/// A linear pre-pass over the YAML event stream (libyaml's parser, the one Yams uses) that rejects documents
/// whose cost would not be linear in their length, before `Yams.compose` builds anything:
///
/// * **alias expansion** ("billion laughs"): every alias counts as the whole node it names, so nested anchors
///   that each repeat the previous one ten times are caught after a few lines, however large they would expand;
///   the document may expand to at most ``StrictYAML/maxExpandedNodes`` nodes;
/// * **complex mapping keys** (a mapping or a list as a key, directly or through an alias): Yams hashes every key
///   of a mapping to find duplicates, and a key built from nested aliases is exponential to hash; no csiloc file
///   has a use for them (keys are names);
/// * **nesting** deeper than ``StrictYAML/maxDepth`` (the composer and the decoder are recursive);
/// * **base-60 integers that overflow**: Yams reads a plain `1:30:00` as a YAML 1.1 sexagesimal integer with
///   trapping arithmetic, so `port: 1:0:0:0:0:0:0:0:0:0:0` (60¹¹) or `9223372036854775807:0` would crash the
///   decoder; such a scalar is rejected (quoted, it stays a string).
///
/// Syntax errors are left to Yams, which reports them with context.
enum ExpansionGuard {
    struct Violation: Error {
        var line: Int
        var column: Int
        var message: String
    }

    private struct Frame {
        var isMapping: Bool
        var anchor: String?
        var expanded = 1
        var expectingKey = true
    }

    static func check(_ text: String, maxNodes: Int, maxDepth: Int) throws(Violation) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return }
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(Violation) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            try walk(&parser, maxNodes: maxNodes, maxDepth: maxDepth)
        }
    }

    private static func walk(_ parser: inout yaml_parser_t, maxNodes: Int, maxDepth: Int) throws(Violation) {
        var anchors: [String: (expanded: Int, isScalar: Bool)] = [:]
        var stack: [Frame] = []
        var total = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return } // syntax error: Yams reports it
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
            func fail(_ message: String) -> Violation { Violation(line: line, column: column, message: message) }
            func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                pointer.map { String(cString: $0) }
            }
            /// A finished child of the top frame (or of the document) that expands to `size` nodes.
            func completed(_ size: Int) throws(Violation) {
                total += size
                guard total <= maxNodes else {
                    throw fail(
                        "the document expands to more than \(maxNodes) nodes through its aliases (anchors repeated inside anchors); write the values out instead"
                    )
                }
                if !stack.isEmpty {
                    stack[stack.count - 1].expanded += size
                    if stack[stack.count - 1].isMapping { stack[stack.count - 1].expectingKey.toggle() }
                }
            }
            var atKey: Bool { stack.last.map { $0.isMapping && $0.expectingKey } ?? false }

            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:] // anchors do not cross documents
            case YAML_SCALAR_EVENT:
                if event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE, let value = event.data.scalar.value,
                    overflowsAsSexagesimal(UnsafeBufferPointer(start: value, count: Int(event.data.scalar.length)))
                {
                    let text = String(
                        decoding: UnsafeBufferPointer(start: value, count: min(Int(event.data.scalar.length), 80)),
                        as: UTF8.self)
                    throw fail(
                        "'\(text)' reads as a base-60 (sexagesimal) integer too large for 64 bits; quote it if it is text"
                    )
                }
                if let name = anchorName(event.data.scalar.anchor) { anchors[name] = (1, true) }
                try completed(1)
            case YAML_ALIAS_EVENT:
                let name = anchorName(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else { return } // unknown anchor: Yams reports it
                if atKey && !target.isScalar {
                    throw fail(
                        "a mapping key cannot be an alias of a mapping or a list ('*\(name)'); keys are plain names")
                }
                // Counted as the node it repeats, without descending: linear however deep the nesting.
                try completed(target.expanded)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                if atKey {
                    throw fail("a mapping key cannot be a \(isMapping ? "mapping" : "list"); keys are plain names")
                }
                guard stack.count < maxDepth else {
                    throw fail("nesting deeper than \(maxDepth) levels")
                }
                let anchor =
                    isMapping
                    ? anchorName(event.data.mapping_start.anchor) : anchorName(event.data.sequence_start.anchor)
                stack.append(Frame(isMapping: isMapping, anchor: anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { return }
                if let anchor = frame.anchor { anchors[anchor] = (frame.expanded, false) }
                // The collection itself was not yet counted in `total`; its children were.
                total += 1
                guard total <= maxNodes else {
                    throw fail(
                        "the document expands to more than \(maxNodes) nodes through its aliases (anchors repeated inside anchors); write the values out instead"
                    )
                }
                if !stack.isEmpty {
                    stack[stack.count - 1].expanded += frame.expanded
                    if stack[stack.count - 1].isMapping { stack[stack.count - 1].expectingKey.toggle() }
                }
            default:
                break
            }
        }
    }

    /// Whether a plain scalar has the shape Yams evaluates as a sexagesimal integer (`[sign]digits(:[sign]digits)+`,
    /// underscores ignored) with a value or a place value (Yams computes 60^k for every component) that leaves
    /// ±2⁶² — conservative for both Int64 and UInt64 targets.
    static func overflowsAsSexagesimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.contains(UInt8(ascii: ":")) else { return false }
        var components: [Double] = []
        var current = 0.0, digits = 0, signAllowed = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "_"): continue
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard signAllowed else { return false }
                signAllowed = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                current = current * 10 + Double(byte - UInt8(ascii: "0"))
                digits += 1
                signAllowed = false
            case UInt8(ascii: ":"):
                guard digits > 0 else { return false }
                components.append(current)
                current = 0; digits = 0; signAllowed = true
            default:
                return false // not a number: Yams leaves it a string
            }
        }
        guard digits > 0 else { return false }
        components.append(current)
        if components.count > 10 { return true } // 60^11 overflows whatever the digits
        var value = 0.0, place = 1.0
        for component in components.reversed() {
            value += component * place
            place *= 60
        }
        return value >= 0x1p62
    }
}
