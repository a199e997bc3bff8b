// libFuzzer harness: NumpyArchive's NPZ reader (zip central directory, ZIP64, local headers, stored and deflated
// members, CRC-32, .npy headers, dtype conversion, Fortran order, string scalars) from bytes in memory
// (NPZArchive(bytes:)), reading every member in every way a caller can. Input: the .npz file's bytes.
// As real callers do (they pass the shape they expect, CSIDataset checks memory first), members whose header
// declares more than `maxMemberBytes` are only inspected, not read: a small deflated input may declare gigabytes.
// Invariant: the typed readers agree with the header on the element count.
import FuzzSupport
import NumpyArchive

let maxMemberBytes = 16 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let archive = try? NPZArchive(bytes: FuzzInput.bytes(data, size), name: "fuzz.npz") else { return 0 }
    for key in archive.keys {
        _ = archive.contains(key)
        guard let info = try? archive.info(key) else { continue }
        let (elements, overflow) = info.shape.reduce((1, false)) { acc, d in
            let (m, o) = acc.0.multipliedReportingOverflow(by: d)
            return (m, acc.1 || o)
        }
        guard !overflow, elements <= maxMemberBytes / max(1, info.dtype.itemSize) else { continue }
        _ = try? archive.shape(key, expecting: info.shape.map { $0 })
        _ = try? archive.shape(key, expecting: [nil, 3])
        if let array = try? archive.array(key) {
            if array.shape != info.shape {
                FuzzInput.fail("array(\(key)) shape \(array.shape) != header \(info.shape)")
            }
        }
        _ = try? archive.array(key, shape: [nil])
        check(try? archive.doubles(key), elements, 1, key)
        check(try? archive.floats(key, shape: info.shape.map { $0 }), elements, 1, key)
        check(try? archive.complexFloats(key), elements, 2, key)
        check(try? archive.complexDoubles(key, shape: [nil, nil]), elements, 2, key)
        check(try? archive.bools(key), elements, 1, key)
        _ = try? archive.scalar(key)
        _ = try? archive.string(key)
    }
    _ = try? archive.doubles("missing")
    return 0
}

func check<T>(_ values: NPYValues<T>?, _ elements: Int, _ perElement: Int, _ key: String) {
    guard let values else { return }
    if values.values.count != elements * perElement {
        FuzzInput.fail("'\(key)': \(values.values.count) values for \(elements) elements")
    }
}

@main
enum Harness {
    static func main() {
        FuzzMain.run(fuzzNPZ) {
            func npz(
                _ name: String, forceZip64: Bool = false, _ fill: (NPZWriter) throws -> Void
            ) throws -> (name: String, bytes: [UInt8]) {
                let path = SeedWriter.scratchPath(name + ".npz")
                let writer = try NPZWriter(path: path, options: .init(forceZip64: forceZip64))
                try fill(writer)
                try writer.finish()
                return (name, SeedWriter.take(path))
            }
            return [
                try npz("dataset-small") { w in
                    try w.write(name: "positions", doubles: [0, 0, 1, 1, 0, 1], shape: [2, 3])
                    try w.write(name: "csi", complexFloats: (0..<16).map { Float($0) / 8 }, shape: [2, 2, 2])
                    try w.write(name: "frequencies", doubles: [3.5e9, 3.6e9], shape: [2])
                    try w.write(name: "antennas", doubles: [0, 0, 1, 0.05, 0, 1], shape: [2, 3])
                    try w.write(name: "carrier", scalar: 3.5e9)
                    try w.write(name: "los", bools: [true, false], shape: [2])
                    try w.write(name: "nuisance", string: "phase-gain")
                },
                try npz("zip64-floats", forceZip64: true) { w in
                    try w.write(name: "x", floats: [1, -2, 3.5], shape: [3])
                    try w.write(name: "empty", doubles: [], shape: [0, 3])
                },
            ]
        }
    }
}
