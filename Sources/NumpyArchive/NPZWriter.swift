/// Writes a `.npz` archive that `numpy.load` reads, with uncompressed (stored) members.
///
/// Arrays can be written whole (``write(name:array:)`` and the typed helpers) or streamed, for arrays larger than
/// memory: ``beginArray(name:dtype:shape:)``, any number of ``append(_:)`` calls with little-endian C-order bytes,
/// then ``endArray()``. Nothing appears under `path` until ``finish()`` succeeds: data goes to `path + ".tmp"`,
/// which is renamed at the end and deleted if the writer is dropped unfinished. The same arrays in the same
/// order always give a byte-identical file.
///
/// ```swift
/// let writer = try NPZWriter(path: "train.npz")
/// try writer.write(name: "positions", doubles: positions, shape: [m, 3])
/// try writer.beginArray(name: "csi", dtype: .complex64, shape: [m, na, ns])
/// for block in blocks { try block.withUnsafeBytes { try writer.append($0) } }
/// try writer.endArray()
/// try writer.write(name: "carrier", scalar: 3.5e9)
/// try writer.finish()
/// ```
///
/// Not thread-safe: use one writer from one task or thread at a time.
public final class NPZWriter {
    /// Writer settings.
    public struct Options: Sendable {
        /// Use ZIP64 local headers, central-directory extras and end records even for small files. They are
        /// used automatically whenever an entry or the archive needs them (4 GiB and up); forcing them lets
        /// tests exercise those paths cheaply.
        var forceZip64: Bool

        /// Creates options; `forceZip64` forces ZIP64 records even for small files (for tests).
        public init(forceZip64: Bool = false) {
            self.forceZip64 = forceZip64
        }
    }

    /// The final path (the archive is written to `path + ".tmp"` until ``finish()``).
    public let path: String

    private let zip: ZipWriter
    private var names: Set<String> = []
    private var open: (name: String, declared: Int, appended: Int)?
    private var state = State.writing

    private enum State { case writing, finished, failed }

    /// Creates `path + ".tmp"` (truncating any leftover one); `path` itself is untouched until ``finish()``.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        zip = try ZipWriter(path: path, forceZip64: options.forceZip64)
    }

    /// Starts streaming the array `name` (stored as `name.npy`). The data appended must total exactly
    /// `product(shape) * dtype.itemSize` bytes.
    public func beginArray(name: String, dtype: NPYDType, shape: [Int]) throws {
        try begin(name: name, descr: dtype.descr, shape: shape, dataLength: NPYHeader.dataLength(shape, dtype))
    }

    /// Opens the entry `name.npy` with the header for `descr` and `shape`; `dataLength` nil means the shape is
    /// invalid (negative or overflowing).
    private func begin(name: String, descr: String, shape: [Int], dataLength: Int?) throws {
        try checkWritable()
        if let open {
            throw error(
                .invalidArgument, name, "cannot begin while array '\(open.name)' is still open (call endArray first)")
        }
        guard !name.isEmpty, !name.utf8.contains(0), name.utf8.count + 4 <= ZipFormat.max16 else {
            throw error(.invalidArgument, name, "invalid array name (empty, containing NUL, or too long)")
        }
        guard !names.contains(name) else { throw error(.invalidArgument, name, "duplicate array name") }
        guard let dataLength else {
            throw error(
                .invalidArgument, name, "invalid shape \(NPYHeader.formatShape(shape)) (negative or overflowing)")
        }
        let header = NPYHeader.encode(descr: descr, fortranOrder: false, shape: shape)
        try guarded {
            try zip.beginEntry(name: name + ".npy", size: header.count + dataLength)
            try header.withUnsafeBytes { try zip.write($0) }
        }
        names.insert(name)
        open = (name, dataLength, 0)
    }

    /// Appends the next little-endian, C-order bytes of the open array (bools as 0/1 bytes, complex interleaved).
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        try checkWritable()
        guard let current = open else {
            throw NPZError(.invalidArgument, file: path, "append called with no open array (call beginArray first)")
        }
        guard bytes.count <= current.declared - current.appended else {
            throw error(
                .invalidArgument, current.name,
                "appending \(bytes.count) bytes would exceed the declared \(current.declared) (already have \(current.appended))"
            )
        }
        try guarded { try zip.write(bytes) }
        open!.appended += bytes.count
    }

    /// Closes the open array; throws if fewer bytes were appended than its shape needs.
    public func endArray() throws {
        try checkWritable()
        guard let current = open else {
            throw NPZError(.invalidArgument, file: path, "endArray called with no open array")
        }
        guard current.appended == current.declared else {
            throw error(
                .invalidArgument, current.name,
                "appended \(current.appended) bytes, but the declared shape and dtype need \(current.declared)")
        }
        try guarded { try zip.endEntry() }
        open = nil
    }

    /// Writes a whole array.
    public func write(name: String, array: NPYArray) throws {
        try beginArray(name: name, dtype: array.dtype, shape: array.shape)
        try array.bytes.withUnsafeBytes { try append($0) }
        try endArray()
    }

    /// Writes float64 values laid out in C order.
    public func write(name: String, doubles: [Double], shape: [Int]) throws {
        try write(name, .float64, doubles, shape)
    }

    /// Writes float32 values laid out in C order.
    public func write(name: String, floats: [Float], shape: [Int]) throws {
        try write(name, .float32, floats, shape)
    }

    /// Writes complex64 values given as interleaved (re, im) floats, `2 * product(shape)` of them.
    public func write(name: String, complexFloats: [Float], shape: [Int]) throws {
        try write(name, .complex64, complexFloats, shape)
    }

    /// Writes a bool array.
    public func write(name: String, bools: [Bool], shape: [Int]) throws {
        try write(name, .bool, bools, shape)
    }

    /// Writes a 0-d float64 array (shape `()`), as NumPy stores a Python float.
    public func write(name: String, scalar: Double) throws {
        try write(name, .float64, [scalar], [])
    }

    /// Writes a 0-d unicode string (`<U n`, n its number of characters, at least 1), as `np.savez(f, name="text")`
    /// stores a Python `str`; ``NPZArchive/string(_:)`` reads it back. At most 1 024 characters and no NUL (NumPy
    /// strips trailing NULs, so they would not read back).
    public func write(name: String, string: String) throws {
        let scalars = Array(string.unicodeScalars)
        guard scalars.count <= NPYStringScalar.maxWidth, !scalars.contains("\0") else {
            throw error(
                .invalidArgument, name,
                "a string scalar must have at most \(NPYStringScalar.maxWidth) characters and no NUL, got \(scalars.count) characters"
            )
        }
        let width = max(1, scalars.count)
        var bytes = [UInt8](repeating: 0, count: 4 * width) // an empty string is one NUL character, as in NumPy
        for (i, scalar) in scalars.enumerated() {
            for b in 0..<4 { bytes[4 * i + b] = UInt8(truncatingIfNeeded: scalar.value >> (8 * b)) }
        }
        try begin(name: name, descr: "<U\(width)", shape: [], dataLength: bytes.count)
        try bytes.withUnsafeBytes { try append($0) }
        try endArray()
    }

    /// Writes the central directory and moves the file to its final name. The writer cannot be used afterwards.
    public func finish() throws {
        try checkWritable()
        if let open {
            throw error(
                .invalidArgument, open.name, "finish called while the array is still open (call endArray first)")
        }
        try guarded { try zip.finish() }
        state = .finished
    }

    private func write<T>(_ name: String, _ dtype: NPYDType, _ scalars: [T], _ shape: [Int]) throws {
        guard 1.littleEndian == 1 else {
            return try write(name: name, array: NPYArray(dtype, scalars: scalars, shape: shape)) // swaps bytes
        }
        let needed = NPYHeader.elementCount(shape).map {
            $0.multipliedReportingOverflow(by: dtype.componentsPerElement)
        }
        guard let needed, !needed.overflow, needed.partialValue == scalars.count else {
            throw error(
                .invalidArgument, name,
                "shape \(NPYHeader.formatShape(shape)) of \(dtype.rawValue) does not match \(scalars.count) values")
        }
        try beginArray(name: name, dtype: dtype, shape: shape)
        try scalars.withUnsafeBytes { try append($0) }
        try endArray()
    }

    private func checkWritable() throws {
        switch state {
        case .writing: return
        case .finished: throw NPZError(.invalidArgument, file: path, "writer already finished")
        case .failed: throw NPZError(.io, file: path, "writer is unusable after an earlier write error")
        }
    }

    /// Runs an I/O step; after a failure the writer refuses further work (the temporary file is removed on deinit).
    private func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            state = .failed
            throw error
        }
    }

    private func error(_ kind: NPZError.Kind, _ name: String, _ detail: String) -> NPZError {
        NPZError(kind, file: path, location: .key(name), detail)
    }
}
