import CZlib

/// Streams the uncompressed bytes of one entry (stored or raw-deflate) out of a mapped file into caller buffers,
/// computing CRC-32 on the way; ``finish()`` then checks the stream ended exactly at the declared size and the
/// CRC matches. Used for a single `.npy` file too (stored, no CRC).
final class EntryReader {
    /// Where `.npy`-level problems point (the key, for an archive member).
    let context: ErrorContext
    /// Where zip-level problems point (the entry name).
    private let entryContext: ErrorContext
    /// Declared uncompressed size.
    let totalSize: Int
    private(set) var produced = 0

    private let file: MappedFile // keeps the mapping alive
    private let input: UnsafeRawBufferPointer
    /// File offset of `input`.
    private let inputOffset: Int
    private var inputPosition = 0
    /// Input before this position has been handed back to the kernel.
    private var releasedPosition = 0
    private let expectedCRC: UInt32?
    private var crc = CRC32()
    private var stream: UnsafeMutablePointer<z_stream>?
    private var streamEnded = false

    /// zlib counts in 32-bit `uInt`s; feed it at most this much at a time.
    private static let zlibChunk = 1 << 30
    /// Consumed input is released to the kernel in steps of this size.
    private static let releaseChunk = 64 << 20

    var remaining: Int { totalSize - produced }

    /// Reader for a zip entry; validates method, flags and declared sizes before anything is decompressed.
    init(entry: ZipEntry, key: String, in file: MappedFile) throws {
        context = ErrorContext(file: file.path, location: .key(key))
        entryContext = ErrorContext(file: file.path, location: .entry(entry.name))
        self.file = file
        let where_ = entryContext
        guard !entry.isEncrypted else {
            throw where_.error(.unsupportedZip, "encrypted entries are not supported")
        }
        let dataStart = try ZipReader.dataOffset(of: entry, in: file)
        input = UnsafeRawBufferPointer(rebasing: file.bytes[dataStart..<dataStart + entry.compressedSize])
        inputOffset = dataStart
        totalSize = entry.uncompressedSize
        expectedCRC = entry.crc32
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw where_.error(
                    .corrupt,
                    "corrupt zip: stored entry declares \(entry.compressedSize) compressed but \(entry.uncompressedSize) uncompressed bytes"
                )
            }
        case 8:
            let (bound, overflow) = entry.compressedSize.multipliedReportingOverflow(by: ZipFormat.maxDeflateRatio)
            guard overflow || entry.uncompressedSize <= bound + 1024 else {
                throw where_.error(
                    .corrupt,
                    "corrupt zip: declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) deflated bytes, more than deflate can expand"
                )
            }
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let status = inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deallocate()
                throw where_.error(.io, "cannot initialise zlib inflate (status \(status))")
            }
            self.stream = stream
        default:
            throw where_.error(
                .unsupportedZip, "unsupported compression method \(entry.method) (expected 0 stored or 8 deflate)")
        }
    }

    /// Reader over a whole plain `.npy` file (no compression, no CRC).
    init(wholeFile file: MappedFile) {
        self.file = file
        context = ErrorContext(file: file.path, location: nil)
        entryContext = context
        input = file.bytes
        inputOffset = 0
        totalSize = file.count
        expectedCRC = nil
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
        }
    }

    /// Fills `buffer` completely with the next bytes; the caller never asks for more than ``remaining``.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        precondition(buffer.count <= remaining, "EntryReader asked for more bytes than the entry declares")
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        if let stream {
            try inflate(stream, into: base, count: buffer.count)
        } else {
            var copied = 0
            while copied < buffer.count {
                let n = min(buffer.count - copied, Self.releaseChunk)
                (base + copied).copyMemory(from: input.baseAddress! + inputPosition, byteCount: n)
                inputPosition += n
                copied += n
                releaseConsumedInput()
            }
        }
        if expectedCRC != nil { crc.update(UnsafeRawBufferPointer(buffer)) }
        produced += buffer.count
    }

    func readBytes(_ count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    private func inflate(
        _ stream: UnsafeMutablePointer<z_stream>, into base: UnsafeMutableRawPointer, count: Int
    ) throws {
        var written = 0
        while written < count {
            guard !streamEnded else {
                throw entryContext.error(
                    .corrupt,
                    "deflate stream ends after \(produced + written) bytes, but the entry declares \(totalSize)")
            }
            let before = inputPosition
            let (wrote, status) = step(stream, out: base + written, capacity: count - written)
            written += wrote
            releaseConsumedInput()
            try check(status, progressed: wrote > 0 || inputPosition > before)
        }
    }

    private func releaseConsumedInput() {
        guard inputPosition - releasedPosition >= Self.releaseChunk else { return }
        file.release(inputOffset + releasedPosition..<inputOffset + inputPosition)
        releasedPosition = inputPosition
    }

    /// One `inflate` call; returns bytes produced and zlib's status.
    private func step(
        _ stream: UnsafeMutablePointer<z_stream>, out: UnsafeMutableRawPointer, capacity: Int
    ) -> (Int, Int32) {
        let inputLeft = input.count - inputPosition
        let inChunk = uInt(min(inputLeft, Self.zlibChunk))
        let outChunk = uInt(min(capacity, Self.zlibChunk))
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self) + inputPosition)
        stream.pointee.avail_in = inChunk
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = outChunk
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        inputPosition += Int(inChunk - stream.pointee.avail_in)
        if status == Z_STREAM_END { streamEnded = true }
        return (Int(outChunk - stream.pointee.avail_out), status)
    }

    private func check(_ status: Int32, progressed: Bool) throws {
        switch status {
        case Z_OK where !progressed, Z_BUF_ERROR:
            // No progress although there was room for output: the input is used up.
            throw entryContext.error(
                .corrupt,
                "corrupt deflate stream: compressed data ends before the stream does (after \(produced) of \(totalSize) bytes)"
            )
        case Z_OK, Z_STREAM_END:
            return
        default:
            let message = stream?.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw entryContext.error(.corrupt, "corrupt deflate stream: \(message)")
        }
    }

    /// Verifies that nothing follows the declared bytes and that the CRC-32 matches.
    func finish() throws {
        precondition(remaining == 0, "EntryReader.finish() before all declared bytes were read")
        if let stream, !streamEnded {
            var spare: UInt8 = 0
            let (wrote, status) = step(stream, out: &spare, capacity: 1)
            if wrote > 0 {
                throw entryContext.error(
                    .corrupt, "deflate stream holds more than the \(totalSize) bytes the entry declares")
            }
            try check(status, progressed: false)
            guard streamEnded else {
                throw entryContext.error(
                    .corrupt, "corrupt deflate stream: no end-of-stream marker after \(totalSize) bytes")
            }
        }
        if let expectedCRC, crc.value != expectedCRC {
            throw entryContext.error(
                .crcMismatch, "CRC-32 mismatch: archive records \(hex(expectedCRC)), data gives \(hex(crc.value))")
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
