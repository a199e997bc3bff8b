#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-moving window over a file (or an in-memory byte array) addressed by absolute file offsets.
///
/// The reader asks for ranges with ``ensure(_:_:)``; the window reads more as needed and drops bytes below
/// the offset passed to ``discard(below:)``, so memory stays bounded by the largest record looked at
/// (≤ 64 MiB plus a chunk, plus at most a third of that not yet dropped: ≈ 87 MiB), whatever the file size.
final class CaptureByteSource {
    private static let chunkSize = 1 << 20

    private var fd: Int32?
    private var buffer: [UInt8]
    /// File offset of `buffer[0]`.
    private var bufferStart: Int64 = 0
    /// `true` once the file's end is in `buffer`.
    private(set) var atEOF: Bool

    /// Reads a file through a descriptor that this source owns and closes.
    init(fileDescriptor: Int32) {
        fd = fileDescriptor
        buffer = []
        atEOF = false
    }

    /// Reads an in-memory byte array.
    init(bytes: [UInt8]) {
        fd = nil
        buffer = bytes
        atEOF = true
    }

    deinit {
        if let fd { _ = close(fd) }
    }

    /// The first byte still held: offsets below it were discarded.
    var windowStart: Int64 { bufferStart }

    /// One past the last byte loaded so far (the file size once ``atEOF``).
    var loadedEnd: Int64 { bufferStart + Int64(buffer.count) }

    /// Makes `[offset, offset + count)` available; `false` when the file ends before that.
    func ensure(_ offset: Int64, _ count: Int) throws(CaptureError) -> Bool {
        precondition(offset >= bufferStart, "CaptureByteSource moves forward only")
        let end = offset + Int64(count)
        while loadedEnd < end, !atEOF {
            try readMore(atLeast: Int(end - loadedEnd))
        }
        return loadedEnd >= end
    }

    /// The byte at `offset`; call ``ensure(_:_:)`` first.
    func byte(at offset: Int64) -> UInt8 {
        buffer[Int(offset - bufferStart)]
    }

    /// The bytes `[offset, offset + count)`; call ``ensure(_:_:)`` first.
    func slice(_ offset: Int64, _ count: Int) -> ArraySlice<UInt8> {
        let start = Int(offset - bufferStart)
        return buffer[start..<start + count]
    }

    /// Lets the window forget bytes before `offset` (done in large steps to keep it cheap: at least a chunk and
    /// at least a quarter of what is held, so each byte is moved at most three times even when a long record
    /// candidate has filled the window to 64 MiB — dropping 1 MiB at a time from a 64 MiB window made a scan
    /// through it quadratic).
    func discard(below offset: Int64) {
        let drop = Int(min(offset - bufferStart, Int64(buffer.count)))
        guard (drop >= CaptureByteSource.chunkSize && drop >= buffer.count / 4) || (drop > 0 && drop == buffer.count)
        else { return }
        buffer.removeFirst(drop)
        bufferStart += Int64(drop)
    }

    private func readMore(atLeast minimum: Int) throws(CaptureError) {
        guard let fd else {
            atEOF = true
            return
        }
        let want = max(minimum, CaptureByteSource.chunkSize)
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: want))
        var filled = 0
        while filled < want {
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + oldCount + filled, want - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                buffer.removeLast(want - filled)
                throw .read(errno: code)
            }
            if n == 0 {
                atEOF = true
                break
            }
            filled += n
        }
        buffer.removeLast(want - filled)
    }
}
