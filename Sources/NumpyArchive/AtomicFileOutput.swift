#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to `path + ".tmp"`, renamed over `path` only by ``commit()`` after an fsync, so a crash or an
/// error never leaves a half-written file under the final name. Dropping an uncommitted output deletes the
/// temporary file.
final class AtomicFileOutput {
    let path: String
    let temporaryPath: String
    /// Bytes written so far, including those still buffered.
    private(set) var position = 0

    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    private static let bufferCapacity = 1 << 20

    init(path: String) throws {
        self.path = path
        temporaryPath = path + ".tmp"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw NPZError(.io, file: path, "cannot create '\(temporaryPath)': \(String(cString: strerror(errno)))")
        }
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    deinit {
        if !committed {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporaryPath)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        if buffer.count + bytes.count <= Self.bufferCapacity {
            buffer.append(contentsOf: bytes)
        } else {
            try flush()
            if bytes.count >= Self.bufferCapacity {
                try writeAll(bytes, at: nil)
            } else {
                buffer.append(contentsOf: bytes)
            }
        }
        position += bytes.count
    }

    /// Overwrites already-written bytes (e.g. a CRC in a local header).
    func patch(_ bytes: [UInt8], at offset: Int) throws {
        precondition(offset >= 0 && offset + bytes.count <= position, "patch outside the written range")
        try flush()
        try bytes.withUnsafeBytes { try writeAll($0, at: offset) }
    }

    /// Flushes, syncs, and atomically renames the temporary file to its final name.
    func commit() throws {
        try flush()
        guard fsync(descriptor) == 0 else { throw failure("cannot sync") }
        guard close(descriptor) == 0 else {
            descriptor = -1
            throw failure("cannot close")
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw failure("cannot rename to its final name") }
        committed = true
        syncDirectory()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0, at: nil) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// `write`/`pwrite` until everything is out, retrying on EINTR and short writes.
    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int?) throws {
        guard descriptor >= 0 else { throw NPZError(.io, file: path, "output is already closed") }
        var done = 0
        while done < bytes.count {
            let pointer = bytes.baseAddress! + done
            let length = min(bytes.count - done, 1 << 30)
            let result =
                offset.map { pwrite(descriptor, pointer, length, off_t($0 + done)) }
                ?? posixWrite(descriptor, pointer, length)
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write")
            }
            done += result
        }
    }

    private func failure(_ what: String) -> NPZError {
        NPZError(.io, file: path, "\(what) '\(temporaryPath)': \(String(cString: strerror(errno)))")
    }

    /// Makes the rename durable; failure here is not worth reporting (the data itself is synced).
    private func syncDirectory() {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// The C `write`, reachable from inside a type that has its own `write` methods.
private func posixWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ length: Int) -> Int {
    write(descriptor, pointer, length)
}
