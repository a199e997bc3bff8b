#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a `*.csicap` capture file record by record, surviving any damage.
///
/// Every complete, CRC-valid record is returned in file order. When the reader meets something that is not
/// a valid record (torn final write, flipped bits, garbage), it **resynchronizes**: it scans forward byte by
/// byte for the next record marker whose record is complete, CRC-valid and well-formed, continues from
/// there, and logs the skipped stretch in ``report``. A damaged file header only costs the metadata. No
/// byte sequence makes the reader trap or allocate more than one maximal record (64 MiB) plus a 1 MiB chunk
/// (and up to a third of that again in bytes not yet dropped). Resynchronization is linear in the damaged
/// length: while scanning, a candidate record's CRC comes from running CRCs of the window (``RangeCRC``) in
/// O(log n) instead of being recomputed over its whole body, so a stretch packed with record markers that
/// announce long bodies costs about as much as a clean scan.
///
/// Damage is never thrown; only I/O failures are. Not thread-safe: use one reader from one task or thread.
///
/// ```swift
/// let reader = try CaptureReader(path: "run.csicap")
/// while let record = try reader.next() { replay(record.parts) }
/// if !reader.report.isClean { log(reader.report.damage) }
/// ```
public final class CaptureReader {
    private typealias Reason = CaptureReadReport.Damage.Reason

    private enum Attempt {
        case record(CaptureRecord, next: Int64)
        case end
        case damaged(Reason)
    }

    /// The file's metadata, or `nil` when the file header was damaged.
    public private(set) var metadata: CaptureMetadata?
    /// Records returned and damage found so far; complete once ``next()`` has returned `nil`.
    public private(set) var report = CaptureReadReport()
    /// Bytes fed to CRC-32C while resynchronizing (all scans so far): the work the scan's cost is linear in, so
    /// tests can bound it exactly instead of by time.
    private(set) var resyncBytesChecksummed: Int64 = 0

    private let source: CaptureByteSource
    private var position: Int64 = 0
    private var finished = false
    /// A damaged file header whose recovery scan is still to run: `(damage offset, scan start, reason)`.
    private var pendingRecovery: (offset: Int64, scanFrom: Int64, reason: Reason)?

    /// Opens a capture file and reads its header.
    public convenience init(path: String) throws(CaptureError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .open(path: path, errno: errno) }
        self.init(source: CaptureByteSource(fileDescriptor: fd))
        try readHeader()
    }

    /// Reads a capture file held in memory.
    public convenience init(bytes: [UInt8]) {
        self.init(source: CaptureByteSource(bytes: bytes))
        // An in-memory source performs no I/O, so this cannot fail.
        try? readHeader()
    }

    private init(source: CaptureByteSource) {
        self.source = source
    }

    /// The next valid record, or `nil` at the end of the file. Throws only for I/O errors.
    public func next() throws(CaptureError) -> CaptureRecord? {
        guard !finished else { return nil }
        if let pending = pendingRecovery {
            pendingRecovery = nil
            return try resync(damageAt: pending.offset, scanFrom: pending.scanFrom, reason: pending.reason)
        }
        switch try attempt(at: position) {
        case .record(let record, let next):
            position = next
            report.recordsRead += 1
            return record
        case .end:
            finished = true
            return nil
        case .damaged(let reason):
            return try resync(damageAt: position, scanFrom: position + 1, reason: reason)
        }
    }

    /// Reads every remaining record.
    package func readAll() throws(CaptureError) -> [CaptureRecord] {
        var records: [CaptureRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    // MARK: - File header

    private func readHeader() throws(CaptureError) {
        let magic = CaptureFormat.fileMagic
        let prefix = CaptureFormat.fileHeaderPrefixBytes
        guard try source.ensure(0, magic.count) else {
            let available = Int(source.loadedEnd)
            let isPrefix = source.slice(0, available).elementsEqual(magic.prefix(available))
            pendingRecovery = (0, 0, isPrefix ? .truncatedHeader : .badFileMagic)
            return
        }
        guard source.slice(0, magic.count).elementsEqual(magic) else {
            pendingRecovery = (0, 0, .badFileMagic)
            return
        }
        guard try source.ensure(0, prefix) else {
            pendingRecovery = (0, Int64(magic.count), .truncatedHeader)
            return
        }
        let length = Int(ByteCoding.load(UInt32.self, from: source.slice(0, prefix), at: magic.count) ?? 0)
        guard length <= CaptureFormat.maxMetadataBytes else {
            pendingRecovery = (0, Int64(prefix), .badMetadataLength)
            return
        }
        guard try source.ensure(0, prefix + length + 4) else {
            pendingRecovery = (0, Int64(prefix), .truncatedHeader)
            return
        }
        let json = source.slice(Int64(prefix), length)
        let storedCRC = ByteCoding.load(UInt32.self, from: source.slice(Int64(prefix + length), 4), at: 0)
        guard CRC32C.checksum(json) == storedCRC else {
            pendingRecovery = (0, Int64(prefix), .metadataCRCMismatch)
            return
        }
        position = Int64(prefix + length + 4)
        if let value = try? JSONValue(parsing: json), let parsed = CaptureMetadata(json: value) {
            metadata = parsed
        } else {
            report.record(.init(offset: Int64(prefix), byteCount: Int64(length), reason: .badMetadata))
        }
    }

    // MARK: - Records

    /// Tries to read one record starting exactly at `offset`. `rangeCRC`, while resynchronizing, gives the
    /// CRC of the body without reading all of it.
    private func attempt(at offset: Int64, rangeCRC: RangeCRC? = nil) throws(CaptureError) -> Attempt {
        // While resynchronizing, keep one checkpoint step below the candidate for the range CRCs.
        source.discard(below: rangeCRC == nil ? offset : offset - Int64(RangeCRC.step))
        guard try source.ensure(offset, 8) else {
            return source.loadedEnd <= offset ? .end : .damaged(.truncatedRecord)
        }
        let marker = CaptureFormat.recordMarker
        guard source.slice(offset, marker.count).elementsEqual(marker) else { return .damaged(.badMarker) }
        let length = Int(ByteCoding.load(UInt32.self, from: source.slice(offset + 4, 4), at: 0) ?? 0)
        guard length >= CaptureFormat.minRecordBodyBytes, length <= CaptureFormat.maxRecordBodyBytes else {
            return .damaged(.badRecordLength)
        }
        guard try source.ensure(offset, CaptureFormat.recordOverheadBytes + length) else {
            return .damaged(.truncatedRecord)
        }
        let body = source.slice(offset + 8, length)
        let storedCRC = ByteCoding.load(UInt32.self, from: source.slice(offset + 8 + Int64(length), 4), at: 0)
        let crc = rangeCRC?.checksum(of: offset + 8, length, in: source) ?? CRC32C.checksum(body)
        guard crc == storedCRC else { return .damaged(.recordCRCMismatch) }
        guard let record = CaptureFormat.decodeBody(body) else { return .damaged(.badRecordBody) }
        return .record(record, next: offset + Int64(CaptureFormat.recordOverheadBytes + length))
    }

    /// Scans from `scanFrom` for the next valid record, logging `[damageAt, that record)` as one damage
    /// entry, or `[damageAt, end of file)` when none is left.
    private func resync(damageAt start: Int64, scanFrom: Int64, reason: Reason) throws(CaptureError) -> CaptureRecord? {
        var candidate = scanFrom
        let rangeCRC = RangeCRC()
        while let found = try findMarker(from: candidate) {
            if case .record(let record, let next) = try attempt(at: found, rangeCRC: rangeCRC) {
                report.record(.init(offset: start, byteCount: found - start, reason: reason))
                position = next
                report.recordsRead += 1
                resyncBytesChecksummed += rangeCRC.bytesChecksummed
                return record
            }
            candidate = found + 1
        }
        resyncBytesChecksummed += rangeCRC.bytesChecksummed
        report.record(.init(offset: start, byteCount: max(source.loadedEnd - start, 0), reason: reason))
        finished = true
        return nil
    }

    /// The offset of the next record marker at or after `offset`, or `nil` at the end of the file.
    private func findMarker(from offset: Int64) throws(CaptureError) -> Int64? {
        let marker = CaptureFormat.recordMarker
        var at = offset
        while try source.ensure(at, marker.count) {
            if source.byte(at: at) == marker[0], source.slice(at, marker.count).elementsEqual(marker) {
                return at
            }
            at += 1
            source.discard(below: at - Int64(RangeCRC.step)) // see attempt(at:rangeCRC:)
        }
        return nil
    }
}

/// CRC-32C of any range at or after the resync scan position without re-reading the range: checkpoints hold the
/// CRC of `[anchor, anchor + i·step)`, extended forward as needed (each byte is fed once per anchor), and
///
///     crc[a, b) = crc[anchor, b) ⊕ shift(crc[anchor, a), b − a)
///
/// (``CRC32C/shift(_:byteCount:)`` multiplies by x^(8·(b−a)) mod P), so a candidate record costs two partial
/// steps of at most `step` bytes and a few GF(2) products, however long the body it announces. The anchor
/// restarts when the window has dropped the bytes a query would need (rare: the window drops in large steps).
final class RangeCRC {
    /// Checkpoint spacing, bytes.
    static let step = 256

    private var anchor: Int64 = 0
    /// Bytes fed to CRC-32C so far (checkpoint steps and partial tails).
    private(set) var bytesChecksummed: Int64 = 0
    /// `checkpoints[i - dropped]` = CRC of `[anchor, anchor + i·step)`.
    private var checkpoints: [UInt32] = []
    private var dropped = 0

    /// The CRC-32C of `[offset, offset + count)`; the range must be loaded in `source`.
    func checksum(of offset: Int64, _ count: Int, in source: CaptureByteSource) -> UInt32 {
        let step = Int64(Self.step)
        let floor = checkpoints.isEmpty ? offset : anchor + (offset - anchor) / step * step
        if checkpoints.isEmpty || offset < anchor || floor < anchor + Int64(dropped) * step
            || floor < source.windowStart
            || anchor + Int64(dropped + checkpoints.count - 1) * step < source.windowStart
        {
            anchor = offset
            checkpoints = [0]
            dropped = 0
        } else {
            // Forget checkpoints below the one `offset` needs (queries only move forward); keep the last, from
            // which the table extends.
            let first = min(Int((floor - anchor) / step) - dropped, checkpoints.count - 1)
            if first > 4096 && first > checkpoints.count / 2 {
                checkpoints.removeFirst(first)
                dropped += first
            }
        }
        let start = prefix(offset, source)
        let end = prefix(offset + Int64(count), source)
        return end ^ CRC32C.shift(start, byteCount: count)
    }

    /// CRC of `[anchor, position)`.
    private func prefix(_ position: Int64, _ source: CaptureByteSource) -> UInt32 {
        let step = Int64(Self.step)
        let index = Int((position - anchor) / step)
        while dropped + checkpoints.count - 1 < index {
            let from = anchor + Int64(dropped + checkpoints.count - 1) * step
            var crc = CRC32C.resuming(checkpoints[checkpoints.count - 1])
            crc.update(source.slice(from, Self.step))
            bytesChecksummed += step
            checkpoints.append(crc.value)
        }
        let base = anchor + Int64(index) * step
        let tail = Int(position - base)
        guard tail > 0 else { return checkpoints[index - dropped] }
        var crc = CRC32C.resuming(checkpoints[index - dropped])
        crc.update(source.slice(base, tail))
        bytesChecksummed += Int64(tail)
        return crc.value
    }
}
