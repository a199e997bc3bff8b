public import Foundation

/// The on-disk form of a trained location-to-channel model: versioned, self-describing, checksummed.
///
/// Layout (little-endian):
/// `"CSIMODEL"` · u32 format version · u32 header length · header (UTF-8 JSON, `ModelHeader`) ·
/// u32 tensor count · tensors (u16 name length, name, u8 dtype (0 = f32, 1 = f64), u8 rank, u64 dims…, data) ·
/// 32-byte SHA-256 of everything before it.
/// A corrupt, truncated or incompatible file is rejected with a `ModelFileError` naming the file. Format version 3 is
/// version 1 plus diffracted paths (`physics.diffracted`, tensor `physics.edges`) whose amplitude follows the uniform
/// theory of diffraction's spreading (`EdgeLine.spreading`): a file with them is written as version 3 so that a csiloc
/// that cannot evaluate them refuses it instead of serving straight paths in their place; every other file stays
/// version 1. Version 2 (diffracted paths with amplitude 1/length, written by csiloc until 2026-12-07) is refused with
/// a message to retrain: its gains mean something else.
public struct ModelFile: Sendable {
    static let magic = Array("CSIMODEL".utf8)
    /// The newest format version this csiloc reads and writes.
    static let formatVersion: UInt32 = 3
    /// Diffracted paths with amplitude 1/length: no longer read (their gains were fitted for another amplitude law).
    static let retiredEdgeVersion: UInt32 = 2

    /// The version this file is written as: 3 when it has diffracted paths, else 1.
    var writtenVersion: UInt32 { header.physics?.diffracted == nil ? 1 : ModelFile.formatVersion }

    /// The self-description (JSON in the file).
    public var header: ModelHeader
    var tensors: [ModelTensor]

    init(header: ModelHeader, tensors: [ModelTensor]) {
        self.header = header; self.tensors = tensors
    }

    /// The tensor called `name`, checked against an expected shape (nil entries match any length).
    func tensor(_ name: String, shape: [Int?]? = nil, file: String = "model") throws -> ModelTensor {
        guard let t = tensors.first(where: { $0.name == name }) else {
            throw ModelFileError(
                file: file, "missing tensor '\(name)' (present: \(tensors.map(\.name).joined(separator: ", ")))")
        }
        if let shape, shape.count != t.shape.count || zip(shape, t.shape).contains(where: { $0 != nil && $0 != $1 }) {
            throw ModelFileError(
                file: file,
                "tensor '\(name)' has shape \(t.shape), expected \(shape.map { $0.map(String.init) ?? "*" })")
        }
        return t
    }

    /// Serialises the file (deterministic bytes for the same content).
    func encoded() throws -> [UInt8] {
        var out = Self.magic
        out.appendLE(writtenVersion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(header))
        out.appendLE(UInt32(json.count))
        out += json
        out.appendLE(UInt32(tensors.count))
        for t in tensors {
            let name = Array(t.name.utf8)
            out.appendLE(UInt16(name.count)); out += name
            out.append(t.isDouble ? 1 : 0)
            out.append(UInt8(t.shape.count))
            for d in t.shape { out.appendLE(UInt64(d)) }
            if t.isDouble { t.doubles.withUnsafeBytes { out += $0 } } else { t.floats.withUnsafeBytes { out += $0 } }
        }
        var sha = SHA256(); sha.update(out)
        out += sha.finalize()
        return out
    }

    /// Writes atomically: a temporary file renamed into place.
    public func write(to path: String) throws {
        let bytes = try encoded()
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw ModelFileError(file: path, "cannot write (check the directory exists and is writable)")
        }
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
        do { try FileManager.default.moveItem(atPath: tmp, toPath: path) } catch {
            throw ModelFileError(file: path, "cannot rename \(tmp): \(error.localizedDescription)")
        }
    }

    /// Reads and verifies a model file.
    static func read(contentsOf path: String) throws -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, "cannot read file")
        }
        return try decode(Array(data), file: path)
    }

    /// Parses and verifies bytes (`file` names them in errors).
    public static func decode(_ bytes: [UInt8], file: String) throws -> ModelFile {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw ModelFileError(file: file, "not a csiloc model file (bad magic; expected \"CSIMODEL\")")
        }
        guard bytes.count >= magic.count + 8 + 32 else {
            throw ModelFileError(file: file, "truncated (\(bytes.count) bytes)")
        }
        var sha = SHA256()
        bytes.withUnsafeBytes { sha.update(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 32)])) }
        guard sha.finalize() == Array(bytes[(bytes.count - 32)...]) else {
            throw ModelFileError(file: file, "checksum mismatch: the file is corrupt or truncated")
        }
        var r = ByteReader(bytes: bytes, end: bytes.count - 32, file: file)
        r.offset = magic.count
        let version: UInt32 = try r.read()
        guard version != retiredEdgeVersion else {
            throw ModelFileError(
                file: file,
                "model format version 2 holds diffracted paths fitted with amplitude 1/length; this csiloc evaluates them with the diffraction's spreading (docs/model.md, \"Diffracted paths\"): train the model again (csiloc train --edges …)"
            )
        }
        guard version == 1 || version == formatVersion else {
            throw ModelFileError(
                file: file,
                "unsupported model format version \(version) (this csiloc reads versions 1 and \(formatVersion))")
        }
        let headerLength: UInt32 = try r.read()
        let json = try r.bytes(Int(headerLength))
        let header: ModelHeader
        do { header = try JSONDecoder().decode(ModelHeader.self, from: Data(json)) } catch {
            throw ModelFileError(file: file, "unreadable header: \(error)")
        }
        guard (header.physics?.diffracted == nil) == (version == 1) else {
            throw ModelFileError(
                file: file,
                "format version \(version) does not match the header (version \(formatVersion) marks diffracted paths)")
        }
        let count: UInt32 = try r.read()
        guard count <= 10_000 else { throw ModelFileError(file: file, "implausible tensor count \(count)") }
        var tensors: [ModelTensor] = []
        for _ in 0..<count {
            let nameLength: UInt16 = try r.read()
            let name = String(decoding: try r.bytes(Int(nameLength)), as: UTF8.self)
            let dtype: UInt8 = try r.read()
            guard dtype <= 1 else { throw ModelFileError(file: file, "tensor '\(name)': unknown dtype code \(dtype)") }
            let rank: UInt8 = try r.read()
            guard rank <= 8 else { throw ModelFileError(file: file, "tensor '\(name)': implausible rank \(rank)") }
            var shape: [Int] = []
            var elements = 1
            for _ in 0..<rank {
                let d: UInt64 = try r.read()
                guard d <= UInt64(Int32.max) else {
                    throw ModelFileError(file: file, "tensor '\(name)': implausible dimension \(d)")
                }
                shape.append(Int(d))
                let (m, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                guard !overflow else { throw ModelFileError(file: file, "tensor '\(name)': size overflows") }
                elements = m
            }
            // The data must fit in what is left of the file: checked before the multiplication can overflow.
            let width = dtype == 1 ? 8 : 4
            guard elements <= (r.end - r.offset) / width else {
                throw ModelFileError(
                    file: file, "tensor '\(name)': \(shape) elements do not fit in the \(r.end - r.offset) bytes left")
            }
            let size = elements * width
            let raw = try r.bytes(size)
            if dtype == 1 {
                tensors.append(
                    ModelTensor(
                        name: name, shape: shape, doubles: raw.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
                    ))
            } else {
                tensors.append(
                    ModelTensor(
                        name: name, shape: shape, floats: raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }))
            }
        }
        guard r.offset == r.end else {
            throw ModelFileError(file: file, "\(r.end - r.offset) unexpected bytes after the tensors")
        }
        return ModelFile(header: header, tensors: tensors)
    }

    /// SHA-256 of the serialised file, hex: the model's identity in published fixes.
    public func digest() throws -> String { SHA256.hex(try encoded()) }
}

/// A named parameter array.
struct ModelTensor: Sendable, Equatable {
    let name: String
    let shape: [Int]
    let doubles: [Double]
    let floats: [Float]
    let isDouble: Bool

    init(name: String, shape: [Int], doubles: [Double]) {
        self.name = name; self.shape = shape; self.doubles = doubles; self.floats = []; isDouble = true
    }
    init(name: String, shape: [Int], floats: [Float]) {
        self.name = name; self.shape = shape; self.doubles = []; self.floats = floats; isDouble = false
    }
}

/// A model file that cannot be used, with the reason.
public struct ModelFileError: Error, CustomStringConvertible, LocalizedError, Sendable {
    /// The path of the file.
    public let file: String
    /// What is wrong with it.
    public let message: String
    /// An error about the model file at `file`.
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    /// `file: message`.
    public var description: String { "\(file): \(message)" }
    /// The same text as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }
}

struct ByteReader {
    let bytes: [UInt8]
    let end: Int
    let file: String
    var offset = 0

    init(bytes: [UInt8], end: Int, file: String) { self.bytes = bytes; self.end = end; self.file = file }

    mutating func read<T: FixedWidthInteger>() throws -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= end else { throw ModelFileError(file: file, "truncated at byte \(offset)") }
        var v: T = 0
        for i in 0..<n { v |= T(bytes[offset + i]) << (8 * i) }
        offset += n
        return v
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= end else {
            throw ModelFileError(file: file, "truncated: needs \(n) bytes at offset \(offset)")
        }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        for i in 0..<MemoryLayout<T>.size { append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
}
