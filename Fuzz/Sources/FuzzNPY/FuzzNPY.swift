// libFuzzer harness: NumpyArchive's .npy reader (magic, versions 1–3, the Python-literal header parser, dtypes,
// byte order, Fortran order) from bytes in memory (NPYArray(npyBytes:)). Input: the .npy file's bytes.
// Invariant: an accepted array's bytes are exactly shape × item size, and it converts to its own element type.
import FuzzSupport
import NumpyArchive

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    _ = try? NPYArray(npyBytes: bytes, name: "fuzz.npy", shape: [nil, 2])
    guard let array = try? NPYArray(npyBytes: bytes, name: "fuzz.npy") else { return 0 }
    let elements = array.shape.reduce(1, *)
    if array.bytes.count != elements * array.dtype.itemSize {
        FuzzInput.fail("\(array.bytes.count) bytes for shape \(array.shape) of \(array.dtype)")
    }
    if array.dtype.isComplex {
        guard let v = try? array.complexDoubles(), v.count == 2 * elements else { FuzzInput.fail("complex read") }
    } else if array.dtype == .bool {
        guard let v = try? array.bools(), v.count == elements else { FuzzInput.fail("bool read") }
    } else if array.dtype.isFloatingPoint || array.dtype.isInteger {
        guard let v = try? array.doubles(), v.count == elements else { FuzzInput.fail("real read") }
        _ = try? array.floats()
    }
    _ = try? array.scalar()
    _ = try? array.checkShape([nil, nil])
    return 0
}

@main
enum Harness {
    static func main() {
        FuzzMain.run(fuzzNPY) {
            func npy(_ name: String, _ array: NPYArray) throws -> (name: String, bytes: [UInt8]) {
                let path = SeedWriter.scratchPath(name + ".npy")
                try array.writeNPY(to: path)
                return (name, SeedWriter.take(path))
            }
            return [
                try npy("f64-2x3", try NPYArray(doubles: [1, 2, 3, 4, 5, -6.5], shape: [2, 3])),
                try npy("c64-2", try NPYArray(complexFloats: [1, 0, 0, -1], shape: [2])),
                try npy("bool-3", try NPYArray(bools: [true, false, true], shape: [3])),
                try npy("scalar", NPYArray(scalar: 3.5e9)),
            ]
        }
    }
}
