/// The `.npy` preamble: magic, version, and the header dictionary
/// `{'descr': '<c8', 'fortran_order': False, 'shape': (M, 16, 16), }`.
struct NPYHeader: Sendable, Equatable {
    var descr: ParsedDescr
    var fortranOrder: Bool
    var shape: [Int]

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // "\x93NUMPY"
    /// Magic plus the two version bytes.
    static let prefixLength = 8
    /// Header dictionaries longer than this are rejected before anything is allocated for them.
    static let maxHeaderLength = 1 << 20
    /// NumPy aligns the data start to this many bytes.
    private static let alignment = 64
    /// NumPy pads the header so the leading axis can later grow in place to this many digits.
    private static let growthAxisMaxDigits = 21

    /// Element count of `shape`, or nil when the product does not fit an `Int`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Byte length of an array of `shape` and `dtype`, or nil on overflow.
    static func dataLength(_ shape: [Int], _ dtype: NPYDType) -> Int? {
        guard let count = elementCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        return overflow ? nil : bytes
    }

    /// Python's repr of a shape tuple: `()`, `(5,)`, `(3, 4)`.
    static func formatShape(_ shape: [Int]) -> String {
        if shape.count == 1 { return "(\(shape[0]),)" }
        return "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: Reading

    /// Checks the 8-byte prefix and returns how many bytes encode the header length (2 or 4) and whether the
    /// header text is UTF-8 (version 3) rather than latin-1.
    static func parsePrefix(_ bytes: [UInt8], _ context: ErrorContext) throws -> (lengthBytes: Int, utf8: Bool) {
        guard bytes.count == prefixLength, Array(bytes[0..<6]) == magic else {
            let shown = bytes.prefix(6).map { String($0, radix: 16) }.joined(separator: " ")
            throw context.error(.badNPY, "not a .npy array: expected magic \\x93NUMPY, found bytes [\(shown)]")
        }
        switch (bytes[6], bytes[7]) {
        case (1, 0): return (2, false)
        case (2, 0): return (4, false)
        case (3, 0): return (4, true)
        case let (major, minor):
            throw context.error(.badNPY, "unsupported .npy format version \(major).\(minor) (expected 1.0, 2.0 or 3.0)")
        }
    }

    /// The header dictionary's entries before `descr` is resolved to a dtype: shared by the numeric path
    /// (``parse(_:utf8:_:)``) and the string-scalar path (``NPYStringScalar``).
    struct Fields: Sendable, Equatable {
        /// The `descr` string as written (`<f8`, `<U10`).
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Parses the header dictionary text and resolves `descr` to a supported numeric dtype.
    static func parse(_ bytes: [UInt8], utf8: Bool, _ context: ErrorContext) throws -> NPYHeader {
        let fields = try parseFields(bytes, utf8: utf8, context)
        switch ParsedDescr.parse(fields.descr) {
        case .success(let descr): return NPYHeader(descr: descr, fortranOrder: fields.fortranOrder, shape: fields.shape)
        case .failure(let problem): throw context.error(problem.kind, problem.message)
        }
    }

    /// Parses the header dictionary text: exactly the keys descr (a string), fortran_order and shape.
    static func parseFields(_ bytes: [UInt8], utf8: Bool, _ context: ErrorContext) throws -> Fields {
        let text =
            utf8
            ? String(decoding: bytes, as: UTF8.self)
            : String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        let value: PyLiteral
        do {
            value = try PyLiteralParser.parseAll(text)
        } catch {
            throw context.error(.badNPY, "malformed .npy header: \(error.message) in \(quoted(text))")
        }
        guard case .dict(let items) = value else {
            throw context.error(.badNPY, "malformed .npy header: expected a dict, found \(quoted(text))")
        }
        var fields: [String: PyLiteral] = [:]
        for (key, item) in items {
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw context.error(
                    .badNPY, "malformed .npy header: unexpected key '\(key)' (expected descr, fortran_order, shape)")
            }
            fields[key] = item
        }
        for key in ["descr", "fortran_order", "shape"] where fields[key] == nil {
            throw context.error(.badNPY, "malformed .npy header: missing key '\(key)' in \(quoted(text))")
        }

        let descr: String
        switch fields["descr"]! {
        case .string(let string):
            descr = string
        case .list:
            throw context.error(
                .unsupportedDType, "unsupported dtype: structured array (record fields) in \(quoted(text))")
        default:
            throw context.error(.badNPY, "malformed .npy header: 'descr' must be a string in \(quoted(text))")
        }
        guard case .bool(let fortranOrder) = fields["fortran_order"]! else {
            throw context.error(
                .badNPY, "malformed .npy header: 'fortran_order' must be True or False in \(quoted(text))")
        }
        guard case .tuple(let dims) = fields["shape"]! else {
            throw context.error(.badNPY, "malformed .npy header: 'shape' must be a tuple in \(quoted(text))")
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let n) = dim, n >= 0 else {
                throw context.error(
                    .badNPY, "malformed .npy header: shape entries must be non-negative integers in \(quoted(text))")
            }
            shape.append(n)
        }
        return Fields(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    private static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingTrailingWhitespace()
        return trimmed.count > 200 ? "\"\(trimmed.prefix(200))...\"" : "\"\(trimmed)\""
    }

    // MARK: Writing

    /// The complete preamble (magic, version, length, padded dict) exactly as NumPy writes it, so the array data
    /// that follows starts on a 64-byte boundary.
    static func encode(dtype: NPYDType, fortranOrder: Bool, shape: [Int]) -> [UInt8] {
        encode(descr: dtype.descr, fortranOrder: fortranOrder, shape: shape)
    }

    /// The preamble for any `descr` string (ASCII, e.g. `<U10` for a string scalar).
    static func encode(descr: String, fortranOrder: Bool, shape: [Int]) -> [UInt8] {
        var dict =
            "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
            + "'shape': \(formatShape(shape)), }"
        if let growthAxis = fortranOrder ? shape.last : shape.first {
            dict += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(growthAxis).count))
        }
        let text = Array(dict.utf8) // ASCII only
        // Version 1.0 has a 16-bit header length; 2.0 (32-bit) only when that does not fit, as NumPy does.
        func padding(_ lengthBytes: Int) -> Int {
            alignment - (magic.count + 2 + lengthBytes + text.count + 1) % alignment
        }
        let lengthBytes = text.count + padding(2) + 1 <= Int(UInt16.max) ? 2 : 4
        let headerLength = text.count + padding(lengthBytes) + 1
        var out = magic + [lengthBytes == 2 ? 1 : 2, 0]
        for i in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        out += text
        out += [UInt8](repeating: 0x20, count: padding(lengthBytes))
        out.append(0x0A)
        return out
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
