/// A NumPy fixed-width string dtype — `<U n` (n UTF-32 code units, either byte order) or `|S n` (n bytes, read as
/// UTF-8) — and the reading of one string of it, as `np.savez(f, nuisance="phase-gain")` stores a Python `str`
/// (or `np.bytes_(b"...")` a `bytes`).
///
/// Strings are deliberately not an ``NPYDType``: archives carry them only as short scalars naming a setting, so
/// this narrow path accepts exactly shape `()` or `(1,)`, a bounded width, and valid text. The numeric readers keep
/// rejecting string arrays as unsupported dtypes.
struct NPYStringScalar: Sendable, Equatable {
    enum Encoding: Sendable, Equatable {
        /// `U`: 4-byte code units (NumPy's unicode).
        case utf32(bigEndian: Bool)
        /// `S`: raw bytes, which must be UTF-8 here.
        case bytes
    }

    var encoding: Encoding
    /// The width in characters (`U`) or bytes (`S`).
    var width: Int
    /// The descr as it appeared in the file, for messages.
    var descr: String

    /// Longest width accepted, in characters (`U`) or bytes (`S`): a setting's name, not a document.
    static let maxWidth = 1024

    /// Bytes of the single element, or nil if that overflows (it cannot within ``maxWidth``; checked anyway).
    var dataLength: Int? {
        switch encoding {
        case .bytes: return width
        case .utf32:
            let (bytes, overflow) = width.multipliedReportingOverflow(by: 4)
            return overflow ? nil : bytes
        }
    }

    /// Resolves `descr`: nil when it is not a string dtype at all (`<f8`, `|O`); throws when it is a malformed
    /// string dtype or one wider than ``maxWidth``.
    static func parse(_ descr: String, _ context: ErrorContext) throws -> NPYStringScalar? {
        let scalars = Array(descr.unicodeScalars)
        guard scalars.count >= 2, "<>|=".unicodeScalars.contains(scalars[0]), scalars[1] == "U" || scalars[1] == "S"
        else {
            return nil
        }
        let (order, kind) = (scalars[0], scalars[1])
        let digits = scalars.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0.value) }) else {
            throw context.error(.badNPY, "invalid dtype descr '\(shown(descr))' (expected a width after '\(kind)')")
        }
        // At most 4 digits before converting: a width of any length cannot overflow, and leading zeros stay suspicious.
        guard digits.count <= 4, let width = Int(String(String.UnicodeScalarView(digits))),
            (1...maxWidth).contains(width)
        else {
            throw context.error(
                .unsupportedDType, "unsupported string dtype '\(shown(descr))': widths 1 to \(maxWidth) are accepted")
        }
        if kind == "S" { return NPYStringScalar(encoding: .bytes, width: width, descr: descr) }
        guard order != "|" else {
            throw context.error(.badNPY, "invalid dtype descr '\(descr)' ('|' on a multi-byte type)")
        }
        // '=' is native byte order; this module only runs on little-endian hosts (as for numeric dtypes).
        return NPYStringScalar(encoding: .utf32(bigEndian: order == ">"), width: width, descr: descr)
    }

    /// Reads the single string of a `.npy` payload: header, dtype, shape and exact data length, the data (so a zip
    /// member's CRC-32 is verified before anything is decoded), then the text without NumPy's trailing NUL padding.
    static func read(_ reader: EntryReader) throws -> String {
        let context = reader.context
        let fields = try NPYDecoder.readHeaderFields(reader)
        guard let string = try parse(fields.descr, context) else {
            throw context.error(
                .typeMismatch, "expected a string (dtype <U n or |S n, shape () or (1,)), found \(shown(fields.descr))")
        }
        let shapeText = NPYHeader.formatShape(fields.shape)
        guard fields.shape == [] || fields.shape == [1] else {
            throw context.error(
                .shapeMismatch,
                "expected a single string (shape () or (1,)), found shape \(shapeText) of \(string.descr)")
        }
        guard let length = string.dataLength, length == reader.remaining else {
            throw context.error(
                .shapeMismatch,
                "data length mismatch: shape \(shapeText) of \(string.descr) needs \(string.dataLength.map(String.init) ?? "too many") bytes, found \(reader.remaining)"
            )
        }
        let bytes = try reader.readBytes(length)
        try reader.finish()
        return try string.decode(bytes, context)
    }

    /// The text of one element's bytes, trailing NULs removed; invalid code points or UTF-8 are errors.
    func decode(_ bytes: [UInt8], _ context: ErrorContext) throws -> String {
        var text = String.UnicodeScalarView()
        switch encoding {
        case .utf32(let bigEndian):
            var units = Swift.stride(from: 0, to: bytes.count, by: 4).map { i -> UInt32 in
                let b = bigEndian ? [bytes[i + 3], bytes[i + 2], bytes[i + 1], bytes[i]] : Array(bytes[i..<i + 4])
                return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
            }
            while units.last == 0 { units.removeLast() }
            for (index, unit) in units.enumerated() {
                guard let scalar = Unicode.Scalar(unit) else {
                    throw context.error(
                        .typeMismatch,
                        "string of \(descr) holds code point 0x\(String(unit, radix: 16, uppercase: true)) at character \(index), which is not a Unicode scalar (a surrogate or above 0x10FFFF)"
                    )
                }
                text.append(scalar)
            }
        case .bytes:
            var end = bytes.count
            while end > 0 && bytes[end - 1] == 0 { end -= 1 }
            var parser = Unicode.UTF8.ForwardParser()
            var input = bytes[0..<end].makeIterator()
            var offset = 0
            decoding: while true {
                switch parser.parseScalar(from: &input) {
                case .valid(let encoded):
                    text.append(Unicode.UTF8.decode(encoded))
                    offset += encoded.count
                case .emptyInput:
                    break decoding
                case .error:
                    throw context.error(.typeMismatch, "string of \(descr) is not valid UTF-8 (at byte \(offset))")
                }
            }
        }
        return String(text)
    }

    /// A descr from a hostile header, shortened for a message.
    private static func shown(_ descr: String) -> String {
        descr.unicodeScalars.count > 40
            ? String(String.UnicodeScalarView(descr.unicodeScalars.prefix(40))) + "..." : descr
    }
}
