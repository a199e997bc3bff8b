import CZlib

/// Writes a zip archive of stored (uncompressed) entries whose sizes are known when each entry starts, streaming
/// the data and patching the CRC-32 into the local header afterwards, so no data descriptor is needed.
///
/// ZIP64 structures are used exactly where needed: a ZIP64 local extra for entries of 4 GiB or more, ZIP64
/// central extras for such sizes or offsets past 4 GiB, and the ZIP64 end record when the directory needs it;
/// `forceZip64` uses all of them regardless, to exercise those paths on small files. Output is deterministic
/// (fixed 1980-01-01 timestamps, fixed attributes).
final class ZipWriter {
    private struct Record {
        var name: [UInt8]
        var size: Int
        var localOffset: Int
        var zip64Local: Bool
        var crc: UInt32 = 0
    }

    let output: AtomicFileOutput
    private let forceZip64: Bool
    private var records: [Record] = []
    private var open: (record: Record, written: Int, crc: CRC32)?

    private static let dosTime = 0
    private static let dosDate = (1 << 5) | 1 // 1980-01-01
    private static let madeBy = (3 << 8) | 45 // Unix, spec 4.5
    private static let externalAttributes = 0o100644 << 16 // regular file, rw-r--r--
    private static let utf8NameFlag = 1 << 11

    init(path: String, forceZip64: Bool) throws {
        output = try AtomicFileOutput(path: path)
        self.forceZip64 = forceZip64
    }

    /// Starts an entry of exactly `size` bytes. The caller guarantees the name is unique and short enough.
    func beginEntry(name: String, size: Int) throws {
        precondition(open == nil, "ZipWriter.beginEntry with an entry open")
        let nameBytes = Array(name.utf8)
        let record = Record(
            name: nameBytes, size: size, localOffset: output.position,
            zip64Local: forceZip64 || size >= ZipFormat.max32)
        var header = LittleEndianBytes()
        header.u32(ZipFormat.localHeaderSignature)
        header.u16(record.zip64Local ? 45 : 20)
        header.u16(flags(for: nameBytes))
        header.u16(0) // stored
        header.u16(Self.dosTime)
        header.u16(Self.dosDate)
        header.u32(0) // CRC-32, patched by endEntry
        header.u32(record.zip64Local ? ZipFormat.max32 : size)
        header.u32(record.zip64Local ? ZipFormat.max32 : size)
        header.u16(nameBytes.count)
        header.u16(record.zip64Local ? 20 : 0)
        header.bytes += nameBytes
        if record.zip64Local {
            header.u16(ZipFormat.zip64ExtraID)
            header.u16(16)
            header.u64(size)
            header.u64(size)
        }
        try output.write(header.bytes)
        open = (record, 0, CRC32())
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(
            open != nil && open!.written + bytes.count <= open!.record.size, "ZipWriter.write outside an entry's size")
        try output.write(bytes)
        open!.written += bytes.count
        open!.crc.update(bytes)
    }

    func endEntry() throws {
        guard let current = open else { preconditionFailure("ZipWriter.endEntry without an entry") }
        precondition(current.written == current.record.size, "ZipWriter.endEntry before all bytes were written")
        var record = current.record
        record.crc = current.crc.value
        var patch = LittleEndianBytes()
        patch.u32(Int(record.crc))
        try output.patch(patch.bytes, at: record.localOffset + 14)
        records.append(record)
        open = nil
    }

    /// Writes the central directory and end records, then commits the file under its final name.
    func finish() throws {
        precondition(open == nil, "ZipWriter.finish with an entry open")
        let directoryOffset = output.position
        for record in records { try output.write(centralHeader(record)) }
        let directorySize = output.position - directoryOffset
        let count = records.count
        let zip64End =
            forceZip64 || count >= ZipFormat.max16
            || directoryOffset >= ZipFormat.max32 || directorySize >= ZipFormat.max32

        var end = LittleEndianBytes()
        if zip64End {
            let recordOffset = output.position
            end.u32(ZipFormat.zip64EndSignature)
            end.u64(ZipFormat.zip64EndSize - 12) // size of the rest of the record
            end.u16(Self.madeBy)
            end.u16(45)
            end.u32(0) // this disk
            end.u32(0) // disk with the directory
            end.u64(count)
            end.u64(count)
            end.u64(directorySize)
            end.u64(directoryOffset)
            end.u32(ZipFormat.zip64LocatorSignature)
            end.u32(0)
            end.u64(recordOffset)
            end.u32(1) // total disks
        }
        end.u32(ZipFormat.endSignature)
        end.u16(0)
        end.u16(0)
        let count16 = forceZip64 ? ZipFormat.max16 : min(count, ZipFormat.max16)
        end.u16(count16)
        end.u16(count16)
        end.u32(forceZip64 ? ZipFormat.max32 : min(directorySize, ZipFormat.max32))
        end.u32(forceZip64 ? ZipFormat.max32 : min(directoryOffset, ZipFormat.max32))
        end.u16(0) // comment length
        try output.write(end.bytes)
        try output.commit()
    }

    private func flags(for name: [UInt8]) -> Int {
        name.allSatisfy { $0 < 0x80 } ? 0 : Self.utf8NameFlag
    }

    private func centralHeader(_ record: Record) -> [UInt8] {
        let zip64Size = forceZip64 || record.size >= ZipFormat.max32
        let zip64Offset = forceZip64 || record.localOffset >= ZipFormat.max32
        var extra = LittleEndianBytes()
        if zip64Size || zip64Offset {
            extra.u16(ZipFormat.zip64ExtraID)
            extra.u16((zip64Size ? 16 : 0) + (zip64Offset ? 8 : 0))
            if zip64Size {
                extra.u64(record.size)
                extra.u64(record.size)
            }
            if zip64Offset { extra.u64(record.localOffset) }
        }
        var header = LittleEndianBytes()
        header.u32(ZipFormat.centralHeaderSignature)
        header.u16(Self.madeBy)
        header.u16(record.zip64Local || !extra.bytes.isEmpty ? 45 : 20)
        header.u16(flags(for: record.name))
        header.u16(0) // stored
        header.u16(Self.dosTime)
        header.u16(Self.dosDate)
        header.u32(Int(record.crc))
        header.u32(zip64Size ? ZipFormat.max32 : record.size)
        header.u32(zip64Size ? ZipFormat.max32 : record.size)
        header.u16(record.name.count)
        header.u16(extra.bytes.count)
        header.u16(0) // comment length
        header.u16(0) // disk number start
        header.u16(0) // internal attributes
        header.u32(Self.externalAttributes)
        header.u32(zip64Offset ? ZipFormat.max32 : record.localOffset)
        header.bytes += record.name
        header.bytes += extra.bytes
        return header.bytes
    }
}

/// Appends little-endian integer fields; values are truncated to the field width, callers pass fitting values.
struct LittleEndianBytes {
    var bytes: [UInt8] = []

    mutating func u16(_ value: Int) { append(UInt64(truncatingIfNeeded: value), width: 2) }
    mutating func u32(_ value: Int) { append(UInt64(truncatingIfNeeded: value), width: 4) }
    mutating func u64(_ value: Int) { append(UInt64(truncatingIfNeeded: value), width: 8) }

    private mutating func append(_ value: UInt64, width: Int) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}

/// Incremental zlib CRC-32.
struct CRC32 {
    private(set) var state: UInt = 0

    var value: UInt32 { UInt32(truncatingIfNeeded: state) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            state = crc32(state, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + offset, uInt(chunk))
            offset += chunk
        }
    }
}
