import Foundation
import Testing

@testable import NumpyArchive

/// A fresh temporary directory, removed when the value is released.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("npz-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
}

/// Runs `python3 -c script args...` and returns stdout; throws with stderr on failure.
enum Python {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let numpyAvailable: Bool = (try? run("import numpy")) != nil

    @discardableResult
    static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "python3 exited \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}

/// Deterministic pseudo-random bytes (SplitMix64).
struct SeededBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

    /// Valid element bytes for `dtype` (bools 0/1, others arbitrary bit patterns).
    mutating func elements(_ dtype: NPYDType, count: Int) -> [UInt8] {
        let raw = bytes(count * dtype.itemSize)
        return dtype == .bool ? raw.map { $0 & 1 } : raw
    }
}

/// CRC-32 of bytes, via the module's zlib binding.
func crc32Of(_ bytes: [UInt8]) -> UInt32 {
    var crc = CRC32()
    bytes.withUnsafeBytes { crc.update($0) }
    return crc.value
}

/// A `.npy` payload with an arbitrary header dictionary (version 1.0, 64-byte aligned, like NumPy).
func npyBytes(header: String, data: [UInt8]) -> [UInt8] {
    var text = Array(header.utf8)
    let unpadded = 10 + text.count + 1
    text += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64)
    text.append(0x0A)
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
}

/// Builds small zip archives byte by byte, independently of `ZipWriter`, so tests can make damaged ones.
struct ZipBuilder {
    struct Entry {
        var name: String
        var method = 0
        var payload: [UInt8] // as stored (compressed for method 8)
        var crc: UInt32
        var uncompressedSize: Int
        var flags = 0
    }

    var entries: [Entry] = []

    /// A stored entry with the correct CRC.
    mutating func add(_ name: String, _ data: [UInt8]) {
        entries.append(Entry(name: name, payload: data, crc: crc32Of(data), uncompressedSize: data.count))
    }

    /// A method-8 entry whose raw deflate stream is made of stored blocks (valid deflate without a compressor).
    mutating func addDeflated(_ name: String, _ data: [UInt8]) {
        entries.append(
            Entry(
                name: name, method: 8, payload: Self.storedDeflate(data), crc: crc32Of(data),
                uncompressedSize: data.count))
    }

    static func storedDeflate(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        repeat {
            let n = min(data.count - offset, 65535)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        return out
    }

    /// The archive bytes plus the offsets of each entry's data and of the central directory.
    func build() -> (bytes: [UInt8], dataOffsets: [Int], directoryOffset: Int) {
        var out = LittleEndianBytes()
        var locals: [Int] = []
        var dataOffsets: [Int] = []
        for e in entries {
            locals.append(out.bytes.count)
            out.u32(0x0403_4B50); out.u16(20); out.u16(e.flags); out.u16(e.method); out.u16(0); out.u16(0x21)
            let descriptor = e.flags & 8 != 0 // sizes and CRC follow the data instead
            out.u32(descriptor ? 0 : Int(e.crc)); out.u32(descriptor ? 0 : e.payload.count)
            out.u32(descriptor ? 0 : e.uncompressedSize)
            out.u16(e.name.utf8.count); out.u16(0)
            out.bytes += Array(e.name.utf8)
            dataOffsets.append(out.bytes.count)
            out.bytes += e.payload
            if descriptor {
                out.u32(0x0807_4B50); out.u32(Int(e.crc)); out.u32(e.payload.count); out.u32(e.uncompressedSize)
            }
        }
        let directoryOffset = out.bytes.count
        for (e, local) in zip(entries, locals) {
            out.u32(0x0201_4B50); out.u16(20); out.u16(20); out.u16(e.flags); out.u16(e.method); out.u16(0);
            out.u16(0x21)
            out.u32(Int(e.crc)); out.u32(e.payload.count); out.u32(e.uncompressedSize)
            out.u16(e.name.utf8.count); out.u16(0); out.u16(0); out.u16(0); out.u16(0); out.u32(0); out.u32(local)
            out.bytes += Array(e.name.utf8)
        }
        let directorySize = out.bytes.count - directoryOffset
        out.u32(0x0605_4B50); out.u16(0); out.u16(0); out.u16(entries.count); out.u16(entries.count)
        out.u32(directorySize); out.u32(directoryOffset); out.u16(0)
        return (out.bytes, dataOffsets, directoryOffset)
    }
}

/// Runs `body`, expecting an `NPZError` of `kind`; returns it for further checks.
@discardableResult
func expectNPZError(
    _ kind: NPZError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> NPZError? {
    do {
        try body()
        Issue.record("expected an NPZError of kind \(kind), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as NPZError {
        #expect(error.kind == kind, "wrong kind for: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected an NPZError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
