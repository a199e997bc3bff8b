/// A `.npz` file (as written by `numpy.savez` / `savez_compressed`) opened for reading.
///
/// Opening maps the file and reads only the zip central directory; each array is decoded when asked for, with its
/// CRC-32 verified, so a damaged member is reported by name and does not hide the others. Immutable and safe to
/// share between threads.
///
/// ```swift
/// let archive = try NPZArchive(path: "train.npz")
/// let csi = try archive.complexFloats("csi")      // interleaved (re, im), shape (M, Na, Ns)
/// try csi.checkShape([nil, 16, 64])
/// let carrier = try archive.scalar("carrier")
/// ```
public final class NPZArchive: Sendable {
    /// The path as given; every error message starts with it.
    public let path: String
    /// Array keys in archive order, without the `.npy` suffix.
    public let keys: [String]

    private let file: MappedFile
    private let entries: [String: ZipEntry]

    /// Maps the file and reads the zip central directory; throws if it is not a readable zip archive.
    public convenience init(path: String) throws {
        try self.init(file: try MappedFile(path: path))
    }

    /// Reads an archive held in memory (copied); `name` stands for the path in error messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        try self.init(file: bytes.withUnsafeBytes { MappedFile(copying: $0, name: name) })
    }

    private init(file: MappedFile) throws {
        path = file.path
        self.file = file
        var keys: [String] = []
        var entries: [String: ZipEntry] = [:]
        for entry in try ZipReader.entries(of: file) where entry.name.hasSuffix(".npy") {
            let key = String(entry.name.dropLast(4))
            if entries.updateValue(entry, forKey: key) == nil { keys.append(key) } // a duplicate name: last wins, as in Python
        }
        self.keys = keys
        self.entries = entries
    }

    /// Whether the archive holds `key` (with or without the `.npy` suffix, as NumPy accepts both).
    public func contains(_ key: String) -> Bool { entries[normalized(key)] != nil }

    /// Dtype and shape of `key` from its header alone (cheap even for huge or compressed members).
    public func info(_ key: String) throws -> NPYArrayInfo {
        let header = try NPYDecoder.readHeader(try reader(for: key))
        return NPYArrayInfo(
            dtype: header.descr.dtype, shape: header.shape, fortranOrder: header.fortranOrder,
            bigEndian: header.descr.bigEndian)
    }

    /// The shape of `key` read from its header alone, checked against `expected` (`nil` entries match any length):
    /// lets a reader of several related members check that they agree before inflating any of them.
    public func shape(_ key: String, expecting expected: [Int?]) throws -> [Int] {
        let reader = try reader(for: key)
        let header = try NPYDecoder.readHeader(reader)
        try NPYArray.checkShape(header.shape, expected, reader.context)
        return header.shape
    }

    /// The array under `key` in its own dtype, normalised to little-endian C order. With `shape` (`nil` entries
    /// match any length) the header is checked before any data is inflated or allocated.
    public func array(_ key: String, shape: [Int?]? = nil) throws -> NPYArray {
        try NPYDecoder.readArray(try reader(for: key), check: Self.shapeCheck(shape))
    }

    /// Real values as `Double` (from float32, float64 or integers), converted while reading. With `shape` (`nil`
    /// entries match any length, e.g. `[nil, 3]`) a member of another shape is rejected from its header, before
    /// its data is inflated or memory is allocated for it.
    public func doubles(_ key: String, shape: [Int?]? = nil) throws -> NPYValues<Double> {
        try values(key, .real, shape)
    }
    /// Real values as `Float` (from float32, float64 or integers), converted while reading; `shape` as for
    /// ``doubles(_:shape:)``.
    public func floats(_ key: String, shape: [Int?]? = nil) throws -> NPYValues<Float> { try values(key, .real, shape) }
    /// Complex values as interleaved (re, im) `Float`s (from complex64 or complex128). For complex64 C-order data
    /// the bytes go straight from the file into the result. `shape` as for ``doubles(_:shape:)``.
    public func complexFloats(_ key: String, shape: [Int?]? = nil) throws -> NPYValues<Float> {
        try values(key, .complex, shape)
    }
    /// Complex values as interleaved (re, im) `Double`s (from complex64 or complex128); `shape` as for
    /// ``doubles(_:shape:)``.
    public func complexDoubles(_ key: String, shape: [Int?]? = nil) throws -> NPYValues<Double> {
        try values(key, .complex, shape)
    }
    /// Flags from bool or integer arrays (non-zero is true); `shape` as for ``doubles(_:shape:)``.
    public func bools(_ key: String, shape: [Int?]? = nil) throws -> NPYValues<Bool> { try values(key, .bool, shape) }

    /// The single real value stored under `key` (shape `()` or one element), e.g. a carrier frequency. A larger
    /// array is rejected from its header, before its data is read.
    public func scalar(_ key: String) throws -> Double {
        let values = try NPYDecoder.readValues(try reader(for: key), Decoding<Double>.real) { header, context in
            guard NPYHeader.elementCount(header.shape) == 1 else {
                throw context.error(
                    .shapeMismatch,
                    "expected a scalar (shape () or one element), found shape \(NPYHeader.formatShape(header.shape))")
            }
        }
        return values.values[0]
    }

    /// The single string stored under `key`, as `np.savez(f, nuisance="phase-gain")` writes a Python `str`: a
    /// unicode (`<U n`, either byte order) or bytes (`|S n`, UTF-8) array of shape `()` or `(1,)`, with NumPy's
    /// trailing NUL padding removed. Widths above 1 024, code points that are not Unicode scalars and invalid
    /// UTF-8 are rejected; a numeric array under `key` is a ``NPZError/Kind/typeMismatch``. (The numeric readers,
    /// in turn, reject string arrays as unsupported dtypes.)
    public func string(_ key: String) throws -> String { try NPYStringScalar.read(try reader(for: key)) }

    private func values<Element>(
        _ key: String, _ decoding: Decoding<Element>, _ shape: [Int?]?
    ) throws -> NPYValues<Element> {
        try NPYDecoder.readValues(try reader(for: key), decoding, check: Self.shapeCheck(shape))
    }

    private static func shapeCheck(_ expected: [Int?]?) -> NPYDecoder.HeaderCheck? {
        guard let expected else { return nil }
        return { header, context in try NPYArray.checkShape(header.shape, expected, context) }
    }

    private func normalized(_ key: String) -> String {
        entries[key] == nil && key.hasSuffix(".npy") ? String(key.dropLast(4)) : key
    }

    private func reader(for requested: String) throws -> EntryReader {
        let key = normalized(requested)
        guard let entry = entries[key] else {
            let present = keys.isEmpty ? "archive holds no arrays" : "present: " + keys.joined(separator: ", ")
            throw NPZError(.missingKey, file: path, "missing key '\(requested)' (\(present))")
        }
        return try EntryReader(entry: entry, key: key, in: file)
    }
}

extension NPYArray {
    /// Reads a single-array `.npy` file.
    public init(contentsOfNPYFile path: String) throws {
        self = try NPYDecoder.readArray(EntryReader(wholeFile: try MappedFile(path: path)))
    }

    /// Reads a single-array `.npy` file held in memory; `name` stands for the path in error messages. With
    /// `shape` (`nil` entries match any length) the header is checked before any data is allocated.
    public init(npyBytes bytes: [UInt8], name: String = "<memory>", shape: [Int?]? = nil) throws {
        let file = bytes.withUnsafeBytes { MappedFile(copying: $0, name: name) }
        let check: NPYDecoder.HeaderCheck? = shape.map { expected in
            { header, context in try NPYArray.checkShape(header.shape, expected, context) }
        }
        self = try NPYDecoder.readArray(EntryReader(wholeFile: file), check: check)
    }

    /// Writes this array as a `.npy` file (version 1.0 header, 64-byte aligned data, as NumPy writes it),
    /// through `path + ".tmp"` and a rename so the final name never holds a partial file.
    public func writeNPY(to path: String) throws {
        let output = try AtomicFileOutput(path: path)
        try output.write(NPYHeader.encode(dtype: dtype, fortranOrder: false, shape: shape))
        try bytes.withUnsafeBytes { try output.write($0) }
        try output.commit()
    }
}
