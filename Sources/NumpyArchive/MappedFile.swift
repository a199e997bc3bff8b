#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only, so multi-gigabyte archives cost address space rather than a heap copy and an
/// array can be decoded straight from the page cache into its destination.
///
/// The mapping is immutable, so sharing it between threads is safe. (If another process truncates the file while
/// it is mapped, touching the lost pages raises SIGBUS; datasets are not expected to change under a reader.)
final class MappedFile: @unchecked Sendable {
    let path: String
    let count: Int
    private let base: UnsafeRawPointer?
    /// Whether `base` is a heap copy (``init(copying:name:)``) rather than a mapping.
    private let isHeapCopy: Bool

    init(path: String) throws {
        self.path = path
        isHeapCopy = false
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw NPZError(.io, file: path, "cannot open for reading: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw NPZError(.io, file: path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw NPZError(.io, file: path, "not a regular file")
        }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw NPZError(.io, file: path, "cannot map \(count) bytes: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    /// A heap copy of `bytes` standing in for a file named `name` (errors start with it): archives held in memory,
    /// and the fuzz harnesses (Fuzz/), which must not touch the file system per input.
    init(copying bytes: UnsafeRawBufferPointer, name: String) {
        path = name
        count = bytes.count
        isHeapCopy = true
        if bytes.isEmpty {
            base = nil
            return
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        copy.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        base = UnsafeRawPointer(copy)
    }

    deinit {
        guard let base else { return }
        if isHeapCopy {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
    }

    /// The mapped bytes; empty for an empty file.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Tells the kernel the pages fully inside `range` (file offsets) are no longer needed, so streaming through
    /// a multi-gigabyte member does not leave the whole file resident next to the decoded array. The mapping
    /// stays valid: touching those pages again re-reads them from the file.
    func release(_ range: Range<Int>) {
        // MADV_DONTNEED on heap memory would zero it: only mappings are released.
        guard let base, !isHeapCopy else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        if start < end { madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED) }
    }

    /// Whether `length` bytes starting at `offset` lie inside the file, without overflowing.
    func contains(offset: Int, length: Int) -> Bool {
        guard offset >= 0, length >= 0 else { return false }
        let (end, overflow) = offset.addingReportingOverflow(length)
        return !overflow && end <= count
    }
}

/// Little-endian field access into a byte buffer whose bounds the caller has already checked.
extension UnsafeRawBufferPointer {
    func u16(_ offset: Int) -> Int { Int(UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
    func u32(_ offset: Int) -> Int { Int(UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
    func u32Value(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}
