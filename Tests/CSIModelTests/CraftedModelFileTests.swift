import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// Crafted model files (issue 13, class 2): the SHA-256 trailer is only a checksum, so each of these has a valid
/// one (`encoded()` recomputes it). JSON headers cannot hold NaN or ∞ (the decoder refuses them), so header
/// values are crafted finite but absurd; the binary tensors can hold anything. Before the loader checked every number they loaded and then trapped on the
/// first frame (NaN/Inf parameters, zero scale), trapped while loading (inverted bounds in a `ClosedRange`,
/// negative network widths, `elements * 8` overflow) or asked for absurd memory; now each is a `ModelFileError`
/// naming the file and the field.
@Suite struct CraftedModelFileTests {
    /// The loader's verdict on `file` after a round trip through bytes: "accepted" or the error message.
    static func verdict(_ file: ModelFile) -> String {
        do {
            let decoded = try ModelFile.decode(try file.encoded(), file: "m.csimodel")
            _ = try ModelLoader.model(of: decoded, path: "m.csimodel")
            return "accepted"
        } catch { return "\(error)" }
    }

    static func crafted(_ change: (inout ModelFile) -> Void) -> String {
        var file = ModelFileTests.sampleFile()
        change(&file)
        return verdict(file)
    }

    @Test func theSampleIsAccepted() {
        #expect(Self.crafted { _ in } == "accepted")
    }

    @Test func headerNumbersAreChecked() {
        func rejects(
            _ field: String, _ change: (inout ModelFile) -> Void, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let v = Self.crafted(change)
            #expect(v.hasPrefix("m.csimodel: ") && v.contains(field), "\(v)", sourceLocation: sourceLocation)
        }
        for bad in [0, -1, -1e300, 1e-320] { rejects("'scale'") { $0.header.scale = bad } }
        for bad in [0, 1e300, -3.5e9] { rejects("'carrier'") { $0.header.carrier = bad } }
        rejects("'frequencies'") { $0.header.frequencies = [] }
        rejects("'frequencies'") { $0.header.frequencies[0] = -1 }
        rejects("'frequencies'") { $0.header.frequencies[0] = 1e300 }
        rejects("'antennas'") { $0.header.antennas = [] }
        rejects("'antennas'") { $0.header.antennas[0][1] = 1e300 }
        rejects("'antennas'") { $0.header.antennas[0] = [1, 2] }
        rejects("'training.boundsMin/boundsMax'") { $0.header.training.boundsMin = [2, 0, 1] } // inverted on x
        rejects("'training.boundsMin/boundsMax'") { $0.header.training.boundsMax = [1, 1] }
        rejects("'training.boundsMin/boundsMax'") { $0.header.training.boundsMin[1] = -1e300 }
        rejects("'training.boundsMin/boundsMax'") { $0.header.training.boundsMax[0] = 1e300 }
        rejects("'training.height'") { $0.header.training.height = 1e300 }
        rejects("'training.height'") { $0.header.training.height = -2e6 }
        rejects("'nuisance'") { $0.header.nuisance = "phase-only-please" }
        rejects("'physics.sources'") { $0.header.physics?.sources = -1 }
        rejects("'physics.gainReference'") { $0.header.physics?.gainReference = [0, 1e300, 0] }
        rejects("'physics.gainMap'") {
            $0.header.physics?.gainMap = .init(originX: 0, originY: 0, spacing: 0, nx: 2, ny: 2)
        }
    }

    @Test func nonFiniteSourceParametersAreRejected() {
        for column in [0, 4, 12, 15] {
            for bad in [Double.nan, .infinity] {
                let v = Self.crafted { f in
                    var values = f.tensors[0].doubles
                    values[column] = bad
                    f.tensors[0] = ModelTensor(name: f.tensors[0].name, shape: f.tensors[0].shape, doubles: values)
                }
                #expect(v == "m.csimodel: tensor 'physics.sources' holds a value that is not finite")
            }
        }
        // Finite but beyond the coordinate limit: a centre at 1e160 m overflows the distances (NaN channels).
        for bad in [1e160, -2e6] {
            let v = Self.crafted { f in
                var values = f.tensors[0].doubles
                values[1] = bad
                f.tensors[0] = ModelTensor(name: f.tensors[0].name, shape: f.tensors[0].shape, doubles: values)
            }
            #expect(v == "m.csimodel: tensor 'physics.sources' row 0: the centre must be within ±1000000.0 m", "\(v)")
        }
    }

    /// Network descriptions: negative or huge widths (RealMLP's precondition, or gigabytes of parameters).
    @Test func networkArchitecturesAreChecked() throws {
        let physics = sampleModel(.spherical)
        let geometry = NeuralGeometry(
            antennas: physics.antennaPositions, frequencies: physics.frequencies,
            referenceFrequency: physics.carrier, positions: [Point3(0, 0, 1), Point3(1, 1, 1)])
        func verdict(_ architecture: NeuralArchitecture) throws -> String {
            var file = ModelFileTests.sampleFile()
            file.header.kind = "inr"
            file.header.neural = [
                "architecture": String(decoding: try JSONEncoder().encode(architecture), as: UTF8.self)
            ]
            return Self.verdict(file)
        }
        var c = MBINRConfiguration(geometry: geometry)
        c.amplitudeWidths = [64, -3]
        #expect(try verdict(.mbinr(c)).contains("amplitudeWidths"))
        c.amplitudeWidths = [1 << 20]
        #expect(try verdict(.mbinr(c)).contains("amplitudeWidths"))
        c = MBINRConfiguration(geometry: geometry, atomCount: Int.max)
        #expect(try verdict(.mbinr(c)).contains("atomCount"))
        c = MBINRConfiguration(geometry: geometry, delayScale: -1)
        #expect(try verdict(.mbinr(c)).contains("delayScale"))
        var g = geometry
        g.halfExtent = Point3(0, 1, 1)
        #expect(try verdict(.mbinr(MBINRConfiguration(geometry: g))).contains("geometry"))
        g = geometry
        g.frequencies = [3.5e9]
        #expect(try verdict(.mbinr(MBINRConfiguration(geometry: g))).contains("geometry has"))
        #expect(
            try verdict(.fieldMLP(FieldMLPConfiguration(geometry: geometry, hiddenWidths: [-1]))).contains(
                "hiddenWidths"))
        #expect(
            try verdict(
                .fieldMLP(FieldMLPConfiguration(geometry: geometry, hiddenWidths: Array(repeating: 4096, count: 16)))
            )
            .contains("parameters, above the limit"))
        #expect(
            try verdict(
                .fieldMLP(
                    FieldMLPConfiguration(
                        geometry: geometry, encoding: .randomFourier(features: 1 << 40, sigma: 1, seed: 1)))
            )
            .contains("random Fourier"))
    }

    /// A tensor whose dimensions multiply to more than the file holds (here 2³¹−1 × 2³¹−1 float64 values: the
    /// element count fits an Int, ×8 bytes overflowed and trapped) is rejected before the multiplication.
    @Test func tensorSizesThatOverflowAreRejected() throws {
        var bytes = Array(try ModelFileTests.sampleFile().encoded().dropLast(32))
        var o = 8 + 4
        let headerLength = Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24
        o += 4 + headerLength + 4
        let nameLength = Int(bytes[o]) | Int(bytes[o + 1]) << 8
        o += 2 + nameLength
        #expect(bytes[o] == 1 && bytes[o + 1] == 2) // float64, rank 2
        o += 2
        for d in 0..<2 {
            for i in 0..<8 { bytes[o + 8 * d + i] = UInt8(truncatingIfNeeded: UInt64(Int32.max) >> (8 * i)) }
        }
        var sha = SHA256(); sha.update(bytes); bytes += sha.finalize()
        #expect(throws: ModelFileError.self) { _ = try ModelFile.decode(bytes, file: "m.csimodel") }
        do { _ = try ModelFile.decode(bytes, file: "m.csimodel") } catch { #expect("\(error)".contains("do not fit")) }
    }

    /// A gain map read at a position that is not a number (a diverged search) gives a value, not a trap.
    @Test func gainMapAtNaNPositionDoesNotTrap() {
        let map = GainMap(
            originX: 0, originY: 0, spacing: 0.5, nx: 3, ny: 3, paths: 1, values: (0..<18).map(Double.init))
        let g = map.gain(path: 0, at: Point3(.nan, .nan, 0))
        #expect(g.value.real == 0 && g.value.imaginary == 1)
    }
}
