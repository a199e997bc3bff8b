import Foundation
import Testing

@testable import NumpyArchive

/// Interoperability with the real NumPy: files each side writes must load on the other, value for value.
@Suite(.enabled(if: Python.numpyAvailable, "needs python3 with numpy (python3 -c 'import numpy' failed)"))
struct NumpyInteropTests {
    // MARK: Swift → NumPy

    static let loadAndSummarise = """
        import sys, zlib, zipfile, numpy as np
        for path in sys.argv[1:]:
            assert zipfile.ZipFile(path).testzip() is None, path
            with np.load(path) as f:
                for k in f.files:
                    a = f[k]
                    print(path.rsplit('/', 1)[-1], k, a.dtype.str, a.shape, zlib.crc32(np.ascontiguousarray(a).tobytes()))
        """

    @Test func swiftArchivesLoadInNumpy() throws {
        let dir = try TempDir()
        let arrays = try RoundTripTests.sampleArrays(seed: 11)
        var expected: [String] = []
        for (file, force) in [("plain.npz", false), ("zip64.npz", true)] {
            let writer = try NPZWriter(path: dir.path(file), options: .init(forceZip64: force))
            for (name, array) in arrays {
                try writer.write(name: name, array: array)
                expected.append(
                    "\(file) \(name) \(array.dtype.descr) \(NPYHeader.formatShape(array.shape)) \(crc32Of(array.bytes))"
                )
            }
            try writer.finish()
        }
        let output = try Python.run(Self.loadAndSummarise, [dir.path("plain.npz"), dir.path("zip64.npz")])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == expected.count)
        for (line, want) in zip(lines, expected) { #expect(line == want) }
    }

    @Test func typedHelperValuesReadBackInNumpy() throws {
        let dir = try TempDir()
        let path = dir.path("typed.npz")
        let writer = try NPZWriter(path: path, options: .init(forceZip64: true))
        try writer.write(name: "positions", doubles: [0.1, -2.5, 1e-300, 6.02e23, -0.0, 3], shape: [2, 3])
        try writer.write(name: "csi", complexFloats: [1.5, -0.25, 3e-8, 7], shape: [1, 2, 1])
        try writer.write(name: "los", bools: [true, false, true], shape: [3])
        try writer.write(name: "carrier", scalar: 3.5e9)
        try writer.finish()
        let script = """
            import sys, numpy as np
            f = np.load(sys.argv[1])
            print(repr(f['positions'].tolist()), f['positions'].dtype)
            print(repr(f['csi'].ravel().tolist()), f['csi'].dtype, f['csi'].shape)
            print(repr(f['los'].tolist()), f['los'].dtype)
            print(repr(float(f['carrier'])), f['carrier'].dtype, f['carrier'].shape)
            """
        let lines = try Python.run(script, [path]).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "[[0.1, -2.5, 1e-300], [6.02e+23, -0.0, 3.0]] float64",
                "[(1.5-0.25j), (2.999999892949745e-08+7j)] complex64 (1, 2, 1)",
                "[True, False, True] bool",
                "3500000000.0 float64 ()",
            ])
    }

    /// The string scalars NumPy writes (a `str`, a 0-d and a 1-element array, big-endian, `bytes`) read back; the one
    /// Swift writes loads in NumPy as the same `str` with NumPy's own dtype.
    @Test func stringScalarsBothWays() throws {
        let dir = try TempDir()
        let fromNumpy = dir.path("np.npz"), fromSwift = dir.path("swift.npz")
        try Python.run(
            """
            import sys, numpy as np
            np.savez(sys.argv[1], a="phase-gain", b=np.array("phase"), c=np.bytes_(b"none"), d=np.array(["ph\\u00e4se"]),
                     e=np.array("x", dtype=">U4"))
            """, [fromNumpy])
        let archive = try NPZArchive(path: fromNumpy)
        #expect(try archive.string("a") == "phase-gain")
        #expect(try archive.string("b") == "phase")
        #expect(try archive.string("c") == "none")
        #expect(try archive.string("d") == "ph\u{e4}se")
        #expect(try archive.string("e") == "x")
        let writer = try NPZWriter(path: fromSwift)
        try writer.write(name: "nuisance", string: "phase-gain-timing \u{e9}")
        try writer.finish()
        let output = try Python.run(
            """
            import sys, numpy as np
            a = np.load(sys.argv[1])['nuisance']
            print(a.dtype.str, a.shape, str(a) == "phase-gain-timing \\u00e9")
            """, [fromSwift])
        #expect(output == "<U19 () True\n")
    }

    @Test func npyFilesMatchNumpyByteForByte() throws {
        let dir = try TempDir()
        var random = SeededBytes(seed: 12)
        let arrays = [
            try NPYArray(dtype: .float64, shape: [3, 4], bytes: random.elements(.float64, count: 12)),
            try NPYArray(dtype: .complex64, shape: [5], bytes: random.elements(.complex64, count: 5)),
            try NPYArray(dtype: .bool, shape: [], bytes: [1]),
            try NPYArray(dtype: .int16, shape: [0, 2], bytes: []),
        ]
        var paths: [String] = []
        for (i, array) in arrays.enumerated() {
            paths.append(dir.path("a\(i).npy"))
            try array.writeNPY(to: paths.last!)
        }
        // NumPy re-saves what it loaded; since NumPy 1.24 (growth padding) the headers are identical too.
        let script = """
            import sys, zlib, numpy as np
            for p in sys.argv[1:]:
                a = np.load(p)
                np.save(p + '.numpy.npy', a)
                same = open(p, 'rb').read() == open(p + '.numpy.npy', 'rb').read()
                new = tuple(int(x) for x in np.__version__.split('.')[:2]) >= (1, 24)
                print(a.dtype.str, a.shape, zlib.crc32(a.tobytes()), same or not new)
            """
        let lines = try Python.run(script, paths).split(separator: "\n").map(String.init)
        #expect(
            lines == arrays.map { "\($0.dtype.descr) \(NPYHeader.formatShape($0.shape)) \(crc32Of($0.bytes)) True" })
        for (i, array) in arrays.enumerated() {
            #expect(try NPYArray(contentsOfNPYFile: paths[i] + ".numpy.npy") == array)
        }
    }

    // MARK: NumPy → Swift

    static let writeFixtures = """
        import sys, zipfile, numpy as np
        d = sys.argv[1]
        rng = np.random.default_rng(7)
        def cplx(shape, dt):
            return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
        arrays = {
            'c64': cplx((4, 3, 5), np.complex64),
            'c128': cplx((2, 6), np.complex128),
            'f32': rng.standard_normal(7).astype(np.float32),
            'f64': rng.standard_normal((3, 4)),
            'b': rng.random((5, 2)) > 0.5,
            'i8': rng.integers(-128, 128, 9, dtype=np.int8),
            'i16': rng.integers(-30000, 30000, 6, dtype=np.int16),
            'i32': rng.integers(-2**31, 2**31, 4, dtype=np.int32),
            'i64': rng.integers(-2**62, 2**62, (3, 2), dtype=np.int64),
            'u8': rng.integers(0, 256, 5, dtype=np.uint8),
            'u16': rng.integers(0, 2**16, 5, dtype=np.uint16),
            'u32': rng.integers(0, 2**32, 5, dtype=np.uint32),
            'u64': rng.integers(0, 2**63, 5, dtype=np.uint64),
            'fortran_f64': np.asfortranarray(rng.standard_normal((3, 4, 5))),
            'fortran_c64': np.asfortranarray(cplx((2, 3, 2), np.complex64)),
            'fortran_b': np.asfortranarray(rng.random((3, 4)) > 0.5),
            'be_f64': rng.standard_normal((2, 3)).astype('>f8'),
            'be_f32': rng.standard_normal(4).astype('>f4'),
            'be_c64': cplx(3, '>c8'),
            'be_c128': cplx((2, 2), '>c16'),
            'be_i32': rng.integers(-2**31, 2**31, 5).astype('>i4'),
            'fortran_be': np.asfortranarray(rng.standard_normal((2, 3, 4)).astype('>f4')),
            'scalar': np.float64(3.5e9),
            'empty': np.zeros((0, 3)),
            'empty_c': np.zeros((2, 0), np.complex64),
        }
        np.savez(d + '/plain.npz', **arrays)
        np.savez_compressed(d + '/compressed.npz', **arrays)
        limit = zipfile.ZIP64_LIMIT
        zipfile.ZIP64_LIMIT = 0   # make Python write ZIP64 central-directory extras and end records
        np.savez(d + '/zip64.npz', **arrays)
        zipfile.ZIP64_LIMIT = limit
        np.savez(d + '/unsupported.npz', objects=np.array([{'a': 1}, None], dtype=object), names=np.array(['hello', 'ab']))
        for k, a in arrays.items():
            a = np.asarray(a)
            le = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<'))
            open(d + '/' + k + '.bin', 'wb').write(le.tobytes())
            print(k, le.dtype.str, ','.join(map(str, a.shape)))
        """

    @Test func numpyArchivesReadIdentically() throws {
        let dir = try TempDir()
        let manifest = try Python.run(Self.writeFixtures, [dir.url.path]).split(separator: "\n").map { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            return (key: parts[0], descr: parts[1], shape: parts[2].split(separator: ",").map { Int($0)! })
        }
        #expect(manifest.count == 25)
        #expect(try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("zip64.npz"))).containsZip64EndRecord)

        for file in ["plain.npz", "compressed.npz", "zip64.npz"] {
            let archive = try NPZArchive(path: dir.path(file))
            #expect(archive.keys == manifest.map(\.key), "\(file)")
            for item in manifest {
                let expected = try dir.read(item.key + ".bin")
                let array = try archive.array(item.key)
                #expect(array.dtype.descr == item.descr, "\(file) \(item.key)")
                #expect(array.shape == item.shape, "\(file) \(item.key)")
                #expect(array.bytes == expected, "\(file) \(item.key): values differ from NumPy's")
                // The converting readers must agree with the raw bytes, including Fortran and big-endian members.
                let typed: [UInt8]
                switch array.dtype {
                case .complex64: typed = try archive.complexFloats(item.key).values.withUnsafeBytes { [UInt8]($0) }
                case .complex128: typed = try archive.complexDoubles(item.key).values.withUnsafeBytes { [UInt8]($0) }
                case .float64: typed = try archive.doubles(item.key).values.withUnsafeBytes { [UInt8]($0) }
                case .float32: typed = try archive.floats(item.key).values.withUnsafeBytes { [UInt8]($0) }
                case .bool: typed = try archive.bools(item.key).values.map { $0 ? 1 : 0 }
                default: typed = expected
                }
                #expect(typed == expected, "\(file) \(item.key): typed reader differs")
            }
            #expect(
                try archive.doubles("i16").values
                    == (try archive.array("i16").bytes.withUnsafeBytes {
                        $0.bindMemory(to: Int16.self).map(Double.init)
                    }))
            #expect(try archive.info("fortran_f64").fortranOrder)
            #expect(try archive.info("be_c128").bigEndian)
            #expect(try archive.scalar("scalar") == 3.5e9)
        }

        let unsupported = try NPZArchive(path: dir.path("unsupported.npz"))
        let objects = expectNPZError(.unsupportedDType) { _ = try unsupported.array("objects") }
        #expect(objects?.description.contains("key 'objects': unsupported dtype '|O' (object array") == true)
        let names = expectNPZError(.unsupportedDType) { _ = try unsupported.doubles("names") }
        #expect(names?.detail.contains("'<U5'") == true)
    }
}

extension [UInt8] {
    var containsZip64EndRecord: Bool {
        count >= 4
            && (0...(count - 4)).contains {
                self[$0] == 0x50 && self[$0 + 1] == 0x4B && self[$0 + 2] == 6 && self[$0 + 3] == 6
            }
    }
}
