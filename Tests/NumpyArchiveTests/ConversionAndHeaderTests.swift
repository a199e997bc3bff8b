import Foundation
import Testing

@testable import NumpyArchive

@Suite struct ConversionTests {
    @Test func realConversions() throws {
        let floats = try NPYArray(floats: [1.5, -2, 3.25e-3], shape: [3])
        #expect(try floats.doubles() == [1.5, -2, Double(Float(3.25e-3))])
        let doubles = try NPYArray(doubles: [0.1, 1e300], shape: [2])
        #expect(try doubles.floats() == [Float(0.1), Float.infinity])
        var ints: [UInt8] = []
        for v: Int32 in [-7, 0, 2_000_000_000] { withUnsafeBytes(of: v.littleEndian) { ints += $0 } }
        let int32 = try NPYArray(dtype: .int32, shape: [3], bytes: ints)
        #expect(try int32.doubles() == [-7, 0, 2_000_000_000])
        let uint64 = try NPYArray(dtype: .uint64, shape: [1], bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try uint64.doubles() == [Double(UInt64.max)])
        #expect(try NPYArray(dtype: .int8, shape: [3], bytes: [0, 0xFF, 2]).bools() == [false, true, true])
        #expect(try NPYArray(dtype: .int8, shape: [2], bytes: [0x80, 0x7F]).floats() == [-128, 127])
    }

    @Test func complexConversions() throws {
        let c128 = try NPYArray(complexDoubles: [1.0 / 3, -2, 0, 1e-9], shape: [2])
        #expect(try c128.complexFloats() == [Float(1.0 / 3), -2, 0, Float(1e-9)])
        #expect(try c128.complexDoubles() == [1.0 / 3, -2, 0, 1e-9])
        let c64 = try NPYArray(complexFloats: [1, 2], shape: [])
        #expect(try c64.complexDoubles() == [1, 2])
    }

    @Test func meaningLosingConversionsThrow() throws {
        let complex = try NPYArray(complexFloats: [1, 2], shape: [1])
        let e1 = expectNPZError(.typeMismatch) { _ = try complex.doubles() }
        #expect(e1?.description == "<in-memory array>: expected dtype float32, float64 or an integer type, found <c8")
        expectNPZError(.typeMismatch) { _ = try complex.bools() }
        let real = try NPYArray(doubles: [1], shape: [1])
        expectNPZError(.typeMismatch) { _ = try real.complexFloats() }
        expectNPZError(.typeMismatch) { _ = try real.bools() }
        let flags = try NPYArray(bools: [true], shape: [1])
        expectNPZError(.typeMismatch) { _ = try flags.doubles() }
    }

    @Test func scalarAndShapeChecks() throws {
        #expect(try NPYArray(scalar: 2.4e9).scalar() == 2.4e9)
        #expect(try NPYArray(doubles: [7], shape: [1]).scalar() == 7)
        let vector = try NPYArray(doubles: [1, 2, 3], shape: [3])
        let e = expectNPZError(.shapeMismatch) { _ = try vector.scalar() }
        #expect(e?.detail.contains("found shape (3,)") == true)

        let positions = try NPYArray(doubles: Array(repeating: 0, count: 20), shape: [10, 2])
        try positions.checkShape([nil, 2])
        let shapeError = expectNPZError(.shapeMismatch) { try positions.checkShape([nil, 3]) }
        #expect(shapeError?.detail == "expected shape (*, 3), found (10, 2)")
        expectNPZError(.shapeMismatch) { try positions.checkShape([10]) }
    }

    @Test func constructorsValidateLengths() {
        expectNPZError(.invalidArgument) { _ = try NPYArray(dtype: .float64, shape: [3], bytes: [0, 1]) }
        expectNPZError(.invalidArgument) { _ = try NPYArray(dtype: .float64, shape: [-1], bytes: []) }
        expectNPZError(.invalidArgument) { _ = try NPYArray(dtype: .float64, shape: [1 << 62, 1 << 62], bytes: []) }
        expectNPZError(.invalidArgument) { _ = try NPYArray(complexFloats: [1, 2, 3], shape: [2]) }
    }

    @Test func fortranToCMatchesIndexArithmetic() {
        let shape = [2, 3, 4]
        // Fortran element (i, j, k) holds the value of its C index, so the C-order result must be 0, 1, 2, ...
        var fortran = [Int32](repeating: 0, count: 24)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { fortran[i + 2 * j + 6 * k] = Int32(i * 12 + j * 4 + k) } } }
        var c = [Int32](repeating: -1, count: 24)
        fortran.withUnsafeBytes { source in
            c.withUnsafeMutableBytes { ElementConversion.fortranToC(source, into: $0, shape: shape, itemSize: 4) }
        }
        #expect(c == (0..<24).map(Int32.init))
    }

    @Test func byteSwapHandlesComplexPartsSeparately() {
        var bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        bytes.withUnsafeMutableBytes { ElementConversion.swapBytes($0, componentSize: 4) }
        #expect(bytes == [4, 3, 2, 1, 8, 7, 6, 5])
    }
}

@Suite struct HeaderTests {
    let context = ErrorContext(file: "h.npy", location: nil)

    func parse(_ text: String) throws -> NPYHeader { try NPYHeader.parse(Array(text.utf8), utf8: false, context) }

    @Test func acceptsNumpyStyleVariants() throws {
        let h1 = try parse("{'descr': '<c8', 'fortran_order': False, 'shape': (3, 16, 16), }         \n")
        #expect(
            h1 == NPYHeader(descr: .init(dtype: .complex64, bigEndian: false), fortranOrder: false, shape: [3, 16, 16]))
        #expect(try parse(#"{"descr": "<f8", "fortran_order": True, "shape": ()}"#).shape == [])
        #expect(try parse(#"{"descr": "<f8", "fortran_order": True, "shape": ()}"#).fortranOrder)
        #expect(try parse("{'descr':'|b1','fortran_order':False,'shape':(5,)}").shape == [5])
        let spaced = try parse("{ 'shape' : ( 2 , 3 , ) , 'descr' : '>i4' , 'fortran_order' : False , }   \n")
        #expect(spaced.shape == [2, 3] && spaced.descr == .init(dtype: .int32, bigEndian: true))
        #expect(try parse("{'descr': '<f8', 'fortran_order': False, 'shape': (10L, 3L), }").shape == [10, 3])
        #expect(try parse("{'descr': '=u2', 'fortran_order': False, 'shape': (0,), }").descr.dtype == .uint16)
    }

    @Test(arguments: [
        ("{'descr': '<f8', 'fortran_order': False}", "missing key 'shape'"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "unexpected key 'extra'"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (5)}", "'shape' must be a tuple"),
        ("{'descr': '<f8', 'fortran_order': 0, 'shape': (5,)}", "'fortran_order' must be True or False"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "non-negative integers"),
        ("{'descr': '<f8' 'fortran_order': False, 'shape': (5,)}", "expected ',' or '}'"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (5,)} junk", "unexpected text after the literal"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (5,,)}", "unexpected character ','"),
        ("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (5,)}", "duplicate key 'descr'"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "integer too large"),
        ("{'descr': '|f8', 'fortran_order': False, 'shape': (5,)}", "'|' on a multi-byte type"),
        ("[1, 2]", "expected a dict"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (5,)", "expected ',' or '}'"),
    ])
    func rejectsMalformedHeaders(text: String, fragment: String) {
        let error = expectNPZError(.badNPY) { _ = try parse(text) }
        #expect(error?.detail.contains(fragment) == true, "\(String(describing: error)) should mention \(fragment)")
        #expect(error?.description.hasPrefix("h.npy: ") == true)
    }

    @Test(arguments: [
        ("{'descr': '|O', 'fortran_order': False, 'shape': (2,)}", "object array"),
        ("{'descr': '<U5', 'fortran_order': False, 'shape': (2,)}", "unicode string"),
        ("{'descr': '<f2', 'fortran_order': False, 'shape': (2,)}", "floating-point width"),
        ("{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (2,)}", "structured"),
        ("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,)}", "datetime"),
    ])
    func rejectsUnsupportedDtypes(text: String, fragment: String) {
        let error = expectNPZError(.unsupportedDType) { _ = try parse(text) }
        #expect(error?.detail.contains(fragment) == true, "\(String(describing: error)) should mention \(fragment)")
    }

    @Test func encodedHeaderParsesBackAndAligns() throws {
        for shape in [[], [5], [0, 3], [123_456, 16, 64]] {
            for dtype in [NPYDType.bool, .complex128, .int8] {
                let bytes = NPYHeader.encode(dtype: dtype, fortranOrder: false, shape: shape)
                #expect(bytes.count % 64 == 0 && bytes.last == 0x0A)
                let length = Int(bytes[8]) | Int(bytes[9]) << 8
                #expect(length == bytes.count - 10)
                let header = try NPYHeader.parse(Array(bytes[10...]), utf8: false, context)
                #expect(header.shape == shape && header.descr.dtype == dtype && !header.fortranOrder)
            }
        }
    }

    @Test func longHeadersUseVersion2() throws {
        let dir = try TempDir()
        let shape = [Int](repeating: 1, count: 25_000) // a dict longer than 65535 characters
        let header = NPYHeader.encode(dtype: .float32, fortranOrder: false, shape: shape)
        #expect(header[6] == 2 && header.count % 64 == 0)
        let array = try NPYArray(floats: [2.5], shape: shape)
        try array.writeNPY(to: dir.path("long.npy"))
        #expect(try NPYArray(contentsOfNPYFile: dir.path("long.npy")) == array)
    }

    @Test func formatsShapesLikePython() {
        #expect(NPYHeader.formatShape([]) == "()")
        #expect(NPYHeader.formatShape([5]) == "(5,)")
        #expect(NPYHeader.formatShape([3, 4]) == "(3, 4)")
    }
}
