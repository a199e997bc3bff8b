import Foundation
import Testing

@testable import NumpyArchive

/// NPZArchive(bytes:) and NPYArray(npyBytes:) (the fuzz harnesses' entry points, docs/fuzzing.md) read exactly
/// what the file readers read, and name the given name in errors.
@Suite struct InMemoryTests {
    @Test func npzFromBytesReadsLikeTheFile() throws {
        let dir = try TempDir()
        let path = dir.path("all.npz")
        let arrays = try RoundTripTests.sampleArrays()
        let writer = try NPZWriter(path: path)
        for (name, array) in arrays { try writer.write(name: name, array: array) }
        try writer.write(name: "label", string: "phase-gain")
        try writer.finish()
        let fromFile = try NPZArchive(path: path)
        let fromBytes = try NPZArchive(bytes: try dir.read("all.npz"), name: "mem.npz")
        #expect(fromBytes.keys == fromFile.keys && fromBytes.path == "mem.npz")
        for (name, array) in arrays { #expect(try fromBytes.array(name) == array) }
        #expect(try fromBytes.string("label") == "phase-gain")
        #expect(throws: NPZError.self) { try NPZArchive(bytes: [], name: "empty.npz") }
        do { _ = try NPZArchive(bytes: Array("PK".utf8), name: "tiny.npz"); Issue.record("accepted") } catch {
            #expect("\(error)".hasPrefix("tiny.npz"))
        }
    }

    @Test func npyFromBytesReadsLikeTheFile() throws {
        let dir = try TempDir()
        let array = try NPYArray(doubles: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        try array.writeNPY(to: dir.path("a.npy"))
        let bytes = try dir.read("a.npy")
        #expect(try NPYArray(npyBytes: bytes) == array)
        #expect(try NPYArray(npyBytes: bytes, shape: [nil, 3]) == array)
        #expect(throws: NPZError.self) { try NPYArray(npyBytes: bytes, shape: [nil, 2]) }
        #expect(throws: NPZError.self) { try NPYArray(npyBytes: Array(bytes.prefix(40))) }
    }
}
