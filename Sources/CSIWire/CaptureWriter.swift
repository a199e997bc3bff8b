#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a `*.csicap` capture file: the header at creation, then one framed record per ``append(_:)``.
///
/// Durability: records are buffered in memory and handed to the kernel by ``flush()``; with the default
/// policy (flush after every record) a crash of the recording process loses at most the record being
/// appended, which a reader then sees as a torn final record. ``sync()`` and ``close()`` also `fsync(2)`
/// so the data survives a power loss. Time-based flushing is checked on each append (there is no timer
/// thread), so a quiet feed is flushed by the next record or by ``close()``.
///
/// Not thread-safe: own a writer from one thread or task (e.g. the recorder's receive loop).
public final class CaptureWriter {
    /// When buffered records are written to the kernel.
    public struct FlushPolicy: Sendable, Hashable {
        /// Flush once this many records are buffered (1 = every record).
        var everyRecords: Int
        /// Also flush on append when this much time passed since the last flush.
        public var interval: Duration?

        /// Creates a policy; values below 1 are treated as 1.
        public init(everyRecords: Int = 1, interval: Duration? = nil) {
            self.everyRecords = max(1, everyRecords)
            self.interval = interval
        }
    }

    /// Records appended so far.
    public private(set) var recordsWritten = 0
    /// Bytes appended so far, header included (buffered or not).
    public private(set) var bytesWritten: Int64 = 0

    private var fd: Int32?
    private var pending: [UInt8] = []
    private var pendingRecords = 0
    private var lastFlush = ContinuousClock.now
    private let policy: FlushPolicy

    /// Creates (or, with `overwrite`, truncates) the file at `path` and writes the header.
    public init(
        path: String, metadata: CaptureMetadata, flushPolicy: FlushPolicy = FlushPolicy(), overwrite: Bool = false
    ) throws(CaptureError) {
        let header = try CaptureFormat.encodeHeader(metadata)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw .open(path: path, errno: errno) }
        fd = descriptor
        policy = flushPolicy
        pending = header
        bytesWritten = Int64(header.count)
        try flush()
    }

    deinit {
        // Best effort for a writer that was never closed: hand buffered bytes to the kernel and close.
        try? flush()
        if let fd { _ = closeDescriptor(fd) }
    }

    /// Appends one record; may flush according to the policy.
    public func append(_ record: CaptureRecord) throws(CaptureError) {
        guard fd != nil else { throw .closed }
        let bytes = try CaptureFormat.encodeRecord(record)
        pending.append(contentsOf: bytes)
        pendingRecords += 1
        recordsWritten += 1
        bytesWritten += Int64(bytes.count)
        if pendingRecords >= policy.everyRecords
            || policy.interval.map({ ContinuousClock.now - lastFlush >= $0 }) == true
        {
            try flush()
        }
    }

    /// Appends the message `parts` received at `tRecvNs`.
    public func append(parts: [[UInt8]], tRecvNs: Int64) throws(CaptureError) {
        try append(CaptureRecord(tRecvNs: tRecvNs, parts: parts))
    }

    /// Writes buffered bytes to the kernel (survives a process crash, not a power loss).
    func flush() throws(CaptureError) {
        guard let fd else { throw .closed }
        var written = 0
        while written < pending.count {
            let n = pending.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                pending.removeFirst(written)
                throw .write(errno: code)
            }
            written += n
        }
        pending.removeAll(keepingCapacity: true)
        pendingRecords = 0
        lastFlush = ContinuousClock.now
    }

    /// ``flush()`` then `fsync(2)`: everything appended so far survives a power loss.
    func sync() throws(CaptureError) {
        try flush()
        guard let fd else { throw .closed }
        guard fsync(fd) == 0 else { throw .sync(errno: errno) }
    }

    /// Flushes, fsyncs and closes the file. Further calls do nothing; appends throw ``CaptureError/closed``.
    public func close() throws(CaptureError) {
        guard let descriptor = fd else { return }
        var failure: CaptureError?
        do { try sync() } catch { failure = error }
        fd = nil
        if closeDescriptor(descriptor) != 0, failure == nil { failure = .close(errno: errno) }
        if let failure { throw failure }
    }
}

/// `close(2)`, outside the class so the name does not resolve to ``CaptureWriter/close()``.
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
