extension JSONValue {
    /// Default nesting limit for untrusted input.
    public static let defaultMaxDepth = 64

    /// Parses one JSON text (RFC 8259) from UTF-8 bytes.
    ///
    /// Strict and bounded: invalid UTF-8, lone surrogates, duplicate object keys, trailing content, leading
    /// zeros, and nesting deeper than `maxDepth` are rejected. Recursion depth is bounded by `maxDepth`, so no
    /// input can exhaust the stack. Size limits are the caller's job (check `bytes.count` first).
    public init<Bytes: RandomAccessCollection>(
        parsing bytes: Bytes, maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws(JSONParseError) where Bytes.Element == UInt8 {
        var parser = JSONParser(bytes: Array(bytes), maxDepth: maxDepth)
        self = try parser.parseDocument()
    }
}
