/// Writes one JSON object member by member straight into bytes, for messages whose keys are known in advance
/// (the position fix, written once per frame by every daemon worker): no `JSONValue` tree, no dictionary, no
/// sort at run time.
///
/// The caller gives the members in the UTF-8 byte order of their keys (checked in debug builds), so the output is
/// byte-identical to ``JSONValue/serialized()`` of the same object: compact, keys sorted, numbers as
/// `JSONNumber` writes them (shortest round-trip `Double` text, non-finite → `null`), strings escaped alike.
struct JSONObjectWriter {
    private var bytes: [UInt8]
    private var members = 0
    #if DEBUG
    private var lastKey: [UInt8] = []
    #endif

    /// Starts an object, reserving `capacity` bytes.
    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// An empty writer whose buffer ``nested(_:_:)`` swaps in (no copy of what is written so far).
    private init() {
        bytes = []
    }

    /// Closes the object and returns its bytes.
    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// A number member; NaN and infinities are written as `null`.
    mutating func double(_ key: StaticString, _ value: Double) {
        self.key(key)
        appendDouble(value)
    }

    /// An integer member.
    mutating func integer<T: BinaryInteger>(_ key: StaticString, _ value: T) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A string member.
    mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        JSONValue.writeString(value, into: &bytes)
    }

    /// An array-of-numbers member (non-finite elements as `null`).
    mutating func doubles(_ key: StaticString, _ values: [Double]) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendDouble(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A `null` member.
    mutating func null(_ key: StaticString) {
        self.key(key)
        bytes.append(contentsOf: "null".utf8)
    }

    /// A member holding an arbitrary value (serialized as ``JSONValue/write(into:)`` does).
    mutating func value(_ key: StaticString, _ value: JSONValue) {
        self.key(key)
        value.write(into: &bytes)
    }

    /// A member holding an object whose members `body` writes, again in key order.
    mutating func nested(_ key: StaticString, _ body: (inout JSONObjectWriter) -> Void) {
        self.key(key)
        var inner = JSONObjectWriter()
        swap(&inner.bytes, &bytes)
        inner.bytes.append(UInt8(ascii: "{"))
        body(&inner)
        inner.bytes.append(UInt8(ascii: "}"))
        swap(&inner.bytes, &bytes)
    }

    private mutating func key(_ key: StaticString) {
        #if DEBUG
        let utf8 = key.withUTF8Buffer { Array($0) }
        assert(members == 0 || lastKey.lexicographicallyPrecedes(utf8), "JSON keys out of order at \(key)")
        lastKey = utf8
        #endif
        if members > 0 { bytes.append(UInt8(ascii: ",")) }
        members += 1
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\":".utf8)
    }

    private mutating func appendDouble(_ value: Double) {
        if let number = JSONNumber(value) {
            bytes.append(contentsOf: number.literal.utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }
}
