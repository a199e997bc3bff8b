/// Zip record signatures and limits shared by the reader and the writer.
enum ZipFormat {
    static let localHeaderSignature = 0x0403_4B50
    static let centralHeaderSignature = 0x0201_4B50
    static let endSignature = 0x0605_4B50
    static let zip64EndSignature = 0x0606_4B50
    static let zip64LocatorSignature = 0x0706_4B50

    static let localHeaderSize = 30
    static let centralHeaderSize = 46
    static let endSize = 22
    static let zip64EndSize = 56
    static let zip64LocatorSize = 20
    static let zip64ExtraID = 0x0001

    static let max16 = 0xFFFF
    static let max32 = 0xFFFF_FFFF

    /// Deflate cannot expand data by more than about 1032:1; a larger declared ratio means a corrupt size field.
    static let maxDeflateRatio = 1032
}

/// One file in a zip archive, as described by the central directory.
struct ZipEntry: Sendable {
    var name: String
    var flags: Int
    var method: Int
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int

    var isEncrypted: Bool { flags & 1 != 0 }
}

/// Reads the central directory of a zip archive, checking every count, size and offset against the file before
/// using it. Entry data is located lazily (``dataOffset(of:in:)``) so one damaged entry does not hide the others.
enum ZipReader {
    static func entries(of file: MappedFile) throws -> [ZipEntry] {
        let bytes = file.bytes
        let path = file.path
        let end = try findEnd(file)

        var diskNumber = bytes.u16(end + 4)
        var directoryDisk = bytes.u16(end + 6)
        var entryCount = bytes.u16(end + 10)
        var directorySize = bytes.u32(end + 12)
        var directoryOffset = bytes.u32(end + 16)
        var directoryLimit = end // the central directory must end before this offset

        let locator = end - ZipFormat.zip64LocatorSize
        if locator >= 0, bytes.u32(locator) == ZipFormat.zip64LocatorSignature {
            guard bytes.u32(locator + 16) <= 1 else {
                throw NPZError(.unsupportedZip, file: path, "multi-disk zip archives are not supported")
            }
            let record = try zip64EndOffset(file, locator: locator)
            diskNumber = bytes.u32(record + 16)
            directoryDisk = bytes.u32(record + 20)
            entryCount = try fileInt(bytes.u64(record + 32), path, "ZIP64 entry count")
            directorySize = try fileInt(bytes.u64(record + 40), path, "ZIP64 central directory size")
            directoryOffset = try fileInt(bytes.u64(record + 48), path, "ZIP64 central directory offset")
            directoryLimit = record
        }
        guard diskNumber == 0, directoryDisk == 0 else {
            throw NPZError(.unsupportedZip, file: path, "multi-disk zip archives are not supported")
        }
        guard file.contains(offset: directoryOffset, length: directorySize) else {
            throw NPZError(
                .truncated, file: path,
                "truncated: central directory needs \(directorySize) bytes at offset \(directoryOffset), file has \(file.count)"
            )
        }
        guard directoryOffset + directorySize <= directoryLimit else {
            throw NPZError(
                .corrupt, file: path,
                "corrupt zip: central directory (\(directorySize) bytes at offset \(directoryOffset)) overlaps the end record at \(directoryLimit)"
            )
        }
        guard entryCount <= directorySize / ZipFormat.centralHeaderSize else {
            throw NPZError(
                .corrupt, file: path,
                "corrupt zip: \(entryCount) entries declared, but a \(directorySize)-byte central directory holds at most \(directorySize / ZipFormat.centralHeaderSize)"
            )
        }

        var entries: [ZipEntry] = []
        entries.reserveCapacity(entryCount)
        var offset = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            let entry = try centralEntry(at: offset, end: directoryEnd, index: index, file: file)
            entries.append(entry.entry)
            offset = entry.next
        }
        return entries
    }

    /// Offset of the end-of-central-directory record: the last signature from the end whose comment fits the file.
    private static func findEnd(_ file: MappedFile) throws -> Int {
        let bytes = file.bytes
        guard file.count >= ZipFormat.endSize else {
            throw notZip(
                file,
                file.count == 0 ? "not a zip archive (empty file)" : "not a zip archive (only \(file.count) bytes)")
        }
        let last = file.count - ZipFormat.endSize
        let first = max(0, last - ZipFormat.max16)
        var candidate = last
        while candidate >= first {
            if bytes[candidate] == 0x50, bytes.u32(candidate) == ZipFormat.endSignature,
                candidate + ZipFormat.endSize + bytes.u16(candidate + 20) <= file.count
            {
                return candidate
            }
            candidate -= 1
        }
        throw notZip(file, "not a zip archive (no end-of-central-directory record)")
    }

    /// A file that starts like a zip but has no end record was almost always cut short; say so.
    private static func notZip(_ file: MappedFile, _ message: String) -> NPZError {
        if file.count >= 4, file.bytes.u32(0) == ZipFormat.localHeaderSignature {
            return NPZError(
                .truncated, file: file.path,
                "truncated: starts like a zip archive but has no end-of-central-directory record (file has \(file.count) bytes; was it cut short?)"
            )
        }
        return NPZError(.notZip, file: file.path, message)
    }

    private static func zip64EndOffset(_ file: MappedFile, locator: Int) throws -> Int {
        let bytes = file.bytes
        let declared = Int(exactly: bytes.u64(locator + 8)) ?? -1
        // Writers put the record right before the locator; fall back to that when the stored offset is off.
        // `offset <= locator - size` rather than `offset + size <= locator`: a declared offset near Int.max would
        // overflow the sum.
        for offset in [declared, locator - ZipFormat.zip64EndSize] {
            if offset >= 0, offset <= locator - ZipFormat.zip64EndSize, bytes.u32(offset) == ZipFormat.zip64EndSignature
            {
                return offset
            }
        }
        throw NPZError(
            .corrupt, file: file.path,
            "corrupt zip: ZIP64 locator points to offset \(declared), where there is no ZIP64 end-of-central-directory record"
        )
    }

    private static func fileInt(_ value: UInt64, _ path: String, _ what: String) throws -> Int {
        guard let int = Int(exactly: value) else {
            throw NPZError(.corrupt, file: path, "corrupt zip: \(what) \(value) is out of range")
        }
        return int
    }

    private static func centralEntry(
        at offset: Int, end: Int, index: Int, file: MappedFile
    ) throws
        -> (entry: ZipEntry, next: Int)
    {
        let bytes = file.bytes
        let path = file.path
        guard offset + ZipFormat.centralHeaderSize <= end, bytes.u32(offset) == ZipFormat.centralHeaderSignature else {
            throw NPZError(
                .corrupt, file: path,
                "corrupt zip: central directory record \(index) at offset \(offset) is missing or damaged")
        }
        let nameLength = bytes.u16(offset + 28)
        let extraLength = bytes.u16(offset + 30)
        let commentLength = bytes.u16(offset + 32)
        let nameStart = offset + ZipFormat.centralHeaderSize
        let next = nameStart + nameLength + extraLength + commentLength
        guard next <= end else {
            throw NPZError(
                .corrupt, file: path,
                "corrupt zip: central directory record \(index) runs past the end of the directory")
        }
        let name = String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameStart + nameLength]), as: UTF8.self)
        var entry = ZipEntry(
            name: name,
            flags: bytes.u16(offset + 8),
            method: bytes.u16(offset + 10),
            crc32: bytes.u32Value(offset + 16),
            compressedSize: bytes.u32(offset + 20),
            uncompressedSize: bytes.u32(offset + 24),
            localHeaderOffset: bytes.u32(offset + 42))
        let diskStart = bytes.u16(offset + 34)
        let extra = UnsafeRawBufferPointer(
            rebasing: bytes[nameStart + nameLength..<nameStart + nameLength + extraLength])
        try applyZip64Extra(extra, to: &entry, diskStart: diskStart, path: path)
        return (entry, next)
    }

    /// Replaces 0xFFFFFFFF placeholders by the 64-bit values of the ZIP64 extra field, which holds exactly the
    /// placeholder fields, in the order uncompressed size, compressed size, local header offset, disk.
    private static func applyZip64Extra(
        _ extra: UnsafeRawBufferPointer, to entry: inout ZipEntry, diskStart: Int,
        path: String
    ) throws {
        let needed = [entry.uncompressedSize, entry.compressedSize, entry.localHeaderOffset]
            .filter { $0 == ZipFormat.max32 }.count
        guard needed > 0 || diskStart == ZipFormat.max16 else { return }
        var position = 0
        while position + 4 <= extra.count {
            let id = extra.u16(position)
            let size = extra.u16(position + 2)
            let body = position + 4
            guard body + size <= extra.count else { break }
            if id == ZipFormat.zip64ExtraID {
                guard size >= 8 * needed else { break }
                var field = body
                func take() throws -> Int {
                    defer { field += 8 }
                    return try fileInt(extra.u64(field), path, "ZIP64 size of entry '\(entry.name)'")
                }
                if entry.uncompressedSize == ZipFormat.max32 { entry.uncompressedSize = try take() }
                if entry.compressedSize == ZipFormat.max32 { entry.compressedSize = try take() }
                if entry.localHeaderOffset == ZipFormat.max32 { entry.localHeaderOffset = try take() }
                return
            }
            position = body + size
        }
        if needed > 0 {
            throw NPZError(
                .corrupt, file: path,
                "corrupt zip: entry '\(entry.name)' has 32-bit size fields set to 0xFFFFFFFF but no valid ZIP64 extra field"
            )
        }
    }

    /// Checks the entry's local header and returns where its (possibly compressed) data starts; the data is
    /// guaranteed to lie inside the file.
    static func dataOffset(of entry: ZipEntry, in file: MappedFile) throws -> Int {
        let path = file.path
        let bytes = file.bytes
        let local = entry.localHeaderOffset
        guard file.contains(offset: local, length: ZipFormat.localHeaderSize) else {
            throw NPZError(
                .truncated, file: path,
                "truncated: entry '\(entry.name)' needs its local header at offset \(local), file has \(file.count)")
        }
        guard bytes.u32(local) == ZipFormat.localHeaderSignature else {
            throw NPZError(
                .corrupt, file: path, "corrupt zip: no local header for entry '\(entry.name)' at offset \(local)")
        }
        let nameLength = bytes.u16(local + 26)
        let extraLength = bytes.u16(local + 28)
        let nameStart = local + ZipFormat.localHeaderSize
        let dataStart = nameStart + nameLength + extraLength
        guard file.contains(offset: nameStart, length: nameLength + extraLength) else {
            throw NPZError(
                .truncated, file: path,
                "truncated: entry '\(entry.name)' needs \(nameLength + extraLength) header bytes at offset \(nameStart), file has \(file.count)"
            )
        }
        let localName = String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameStart + nameLength]), as: UTF8.self)
        guard localName == entry.name else {
            throw NPZError(
                .corrupt, file: path,
                "corrupt zip: local header at offset \(local) names '\(localName)', central directory says '\(entry.name)'"
            )
        }
        guard file.contains(offset: dataStart, length: entry.compressedSize) else {
            throw NPZError(
                .truncated, file: path,
                "truncated: entry '\(entry.name)' needs \(entry.compressedSize) bytes at offset \(dataStart), file has \(file.count)"
            )
        }
        return dataStart
    }
}
