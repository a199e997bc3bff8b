import Foundation
import Testing

@testable import NumpyArchive

@Suite struct RoundTripTests {
    static let shapes: [[Int]] = [[], [0, 3], [5], [2, 3, 4], [1, 1, 2, 1]]

    static func sampleArrays(seed: UInt64 = 1) throws -> [(String, NPYArray)] {
        var random = SeededBytes(seed: seed)
        var arrays: [(String, NPYArray)] = []
        for dtype in NPYDType.allCases {
            for (i, shape) in shapes.enumerated() {
                let count = NPYHeader.elementCount(shape)!
                arrays.append(
                    (
                        "\(dtype.rawValue)_\(i)",
                        try NPYArray(dtype: dtype, shape: shape, bytes: random.elements(dtype, count: count))
                    ))
            }
        }
        return arrays
    }

    @Test(arguments: [false, true])
    func everyDtypeAndShapeThroughNPZ(forceZip64: Bool) throws {
        let dir = try TempDir()
        let path = dir.path("all.npz")
        let arrays = try Self.sampleArrays()
        let writer = try NPZWriter(path: path, options: .init(forceZip64: forceZip64))
        for (name, array) in arrays { try writer.write(name: name, array: array) }
        try writer.finish()

        let archive = try NPZArchive(path: path)
        #expect(archive.keys == arrays.map(\.0))
        for (name, array) in arrays {
            let read = try archive.array(name)
            #expect(read == array, "\(name)")
            #expect(read.shape == array.shape)
            let info = try archive.info(name)
            #expect(info.dtype == array.dtype && info.shape == array.shape && !info.fortranOrder && !info.bigEndian)
        }
        #expect(archive.contains("float64_2.npy"))
        #expect(try archive.array("float64_2.npy") == arrays.first { $0.0 == "float64_2" }!.1)
    }

    @Test func everyDtypeThroughNPY() throws {
        let dir = try TempDir()
        for (name, array) in try Self.sampleArrays(seed: 2) {
            let path = dir.path("\(name).npy")
            try array.writeNPY(to: path)
            #expect(try NPYArray(contentsOfNPYFile: path) == array, "\(name)")
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
            let bytes = try dir.read("\(name).npy")
            let dataStart = bytes.count - array.bytes.count
            #expect(dataStart % 64 == 0, "data of \(name) starts at \(dataStart), not 64-byte aligned")
        }
    }

    @Test func typedHelpersRoundTrip() throws {
        let dir = try TempDir()
        let path = dir.path("typed.npz")
        let positions = (0..<12).map { Double($0) * 0.25 - 1 }
        let csi: [Float] = (0..<48).map { Float($0) / 7 - 3 } // 2 x 3 x 4 complex, interleaved
        let los = [true, false, true, true]
        let frequencies: [Float] = [1.5, -2.25, 1e-20]
        let writer = try NPZWriter(path: path)
        try writer.write(name: "positions", doubles: positions, shape: [4, 3])
        try writer.write(name: "csi", complexFloats: csi, shape: [2, 3, 4])
        try writer.write(name: "los", bools: los, shape: [4])
        try writer.write(name: "carrier", scalar: 3.5e9)
        try writer.write(name: "f32", floats: frequencies, shape: [3])
        try writer.finish()

        let archive = try NPZArchive(path: path)
        #expect(
            try archive.doubles("positions")
                == NPYValues(shape: [4, 3], values: positions, context: .init(file: "", location: nil)))
        let readCSI = try archive.complexFloats("csi")
        #expect(readCSI.shape == [2, 3, 4] && readCSI.values == csi)
        #expect(try archive.complexDoubles("csi").values == csi.map(Double.init))
        #expect(try archive.bools("los").values == los)
        #expect(try archive.scalar("carrier") == 3.5e9)
        #expect(try archive.info("carrier").shape == [])
        #expect(try archive.floats("f32").values == frequencies)
        #expect(try archive.doubles("f32").values == frequencies.map(Double.init))
        #expect(try archive.array("csi").complexFloats() == csi)
    }

    @Test func streamedArrayInUnevenChunks() throws {
        let dir = try TempDir()
        let path = dir.path("stream.npz")
        var random = SeededBytes(seed: 3)
        let shape = [50, 4, 8]
        let data = random.elements(.complex64, count: 50 * 4 * 8)
        let writer = try NPZWriter(path: path)
        try writer.beginArray(name: "csi", dtype: .complex64, shape: shape)
        var offset = 0
        var step = 1
        while offset < data.count {
            let end = min(data.count, offset + step)
            try data[offset..<end].withUnsafeBytes { try writer.append($0) }
            offset = end
            step = step * 3 + 1
        }
        try writer.endArray()
        try writer.write(name: "after", scalar: 1)
        try writer.finish()

        let archive = try NPZArchive(path: path)
        #expect(try archive.array("csi") == NPYArray(dtype: .complex64, shape: shape, bytes: data))
        #expect(try archive.scalar("after") == 1)
    }

    @Test func outputIsDeterministicAndAtomic() throws {
        let dir = try TempDir()
        let arrays = try Self.sampleArrays(seed: 4)
        var files: [[UInt8]] = []
        for name in ["a.npz", "b.npz"] {
            let path = dir.path(name)
            let writer = try NPZWriter(path: path)
            for (key, array) in arrays { try writer.write(name: key, array: array) }
            #expect(!FileManager.default.fileExists(atPath: path), "final name must not exist before finish()")
            #expect(FileManager.default.fileExists(atPath: path + ".tmp"))
            try writer.finish()
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
            files.append(try dir.read(name))
        }
        #expect(files[0] == files[1])
        // DOS date 1980-01-01 in the first local header.
        #expect(files[0][12] == 0x21 && files[0][13] == 0 && files[0][10] == 0 && files[0][11] == 0)
    }

    @Test func abandonedWriterLeavesNothing() throws {
        let dir = try TempDir()
        let path = dir.path("abandoned.npz")
        do {
            let writer = try NPZWriter(path: path)
            try writer.beginArray(name: "x", dtype: .float64, shape: [100])
            try [Double](repeating: 1, count: 10).withUnsafeBytes { try writer.append($0) }
            #expect(FileManager.default.fileExists(atPath: path + ".tmp"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    @Test func forcedZip64WritesZip64Structures() throws {
        let dir = try TempDir()
        let plain = dir.path("plain.npz")
        let forced = dir.path("forced.npz")
        for (path, force) in [(plain, false), (forced, true)] {
            let writer = try NPZWriter(path: path, options: .init(forceZip64: force))
            try writer.write(name: "x", doubles: [1, 2, 3], shape: [3])
            try writer.finish()
        }
        func contains(_ bytes: [UInt8], _ signature: [UInt8]) -> Bool {
            bytes.count >= 4 && (0...(bytes.count - 4)).contains { Array(bytes[$0..<$0 + 4]) == signature }
        }
        let zip64End: [UInt8] = [0x50, 0x4B, 0x06, 0x06]
        let locator: [UInt8] = [0x50, 0x4B, 0x06, 0x07]
        let forcedBytes = try dir.read("forced.npz")
        let plainBytes = try dir.read("plain.npz")
        #expect(contains(forcedBytes, zip64End) && contains(forcedBytes, locator))
        #expect(!contains(plainBytes, zip64End))
        #expect(try NPZArchive(path: forced).doubles("x").values == [1, 2, 3])
    }
}
