@testable import CSIChannel
@testable import CSIModel
import Foundation
import Testing

/// The model file's `quality` section (docs/model.md, "Quality map"): round trip, older files, crafted values.
@Suite struct QualityMapFileTests {
    /// The sample file (training box [0, 1] × [0, 1] at z = 1) with a 2 × 2 map over its box.
    static func fileWithMap() -> ModelFile {
        var file = ModelFileTests.sampleFile()
        file.header.validation.points = 80
        file.header.quality = ModelQualityMap(lower: [0, 0, 1], cell: [0.5, 0.5, 1], shape: [2, 2, 1],
                                              nmse: [0.001, 0.002, 0.01, 0.1], logSpread: [0.5, 0.4, 1, 0], ambiguity: [0, 0.05, 0.2, 0.9],
                                              samples: [20, 20, 20, 20])
        return file
    }

    @Test func theSectionRoundTripsAndOlderFilesStillLoad() throws {
        let file = Self.fileWithMap()
        let decoded = try ModelFile.decode(try file.encoded(), file: "m.csimodel")
        #expect(decoded.header.quality == file.header.quality)
        #expect(CraftedModelFileTests.verdict(file) == "accepted")
        // A file written before the section existed has no `quality` key: it loads, without a map.
        let old = ModelFileTests.sampleFile()
        let json = String(decoding: try JSONEncoder().encode(old.header), as: UTF8.self)
        #expect(!json.contains("quality"))
        #expect(try ModelFile.decode(try old.encoded(), file: "m").header.quality == nil)
    }

    @Test func craftedMapsAreRejectedNamingTheSection() {
        func rejects(_ what: String, _ change: (inout ModelQualityMap) -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
            var file = Self.fileWithMap()
            change(&file.header.quality!)
            let v = CraftedModelFileTests.verdict(file)
            #expect(v.hasPrefix("m.csimodel: header 'quality'") && v.contains(what), "\(v)", sourceLocation: sourceLocation)
        }
        rejects("3 entries") { $0.lower = [0, 0] }
        rejects("lower") { $0.lower[0] = 1e300 }
        rejects("cell sizes") { $0.cell[1] = 0 }
        rejects("cell sizes") { $0.cell[1] = -0.5 }
        rejects("cells per axis") { $0.shape = [0, 4, 1] }
        rejects("cells per axis") { $0.shape = [Int.max, 2, 1] }
        rejects("more than") { $0.shape = [60_000, 60_000, 1] }          // each axis fine, the product not
        rejects("one entry per cell") { $0.nmse.removeLast() }
        rejects("one entry per cell") { $0.samples.append(3) }
        rejects("nmse[2]") { $0.nmse[2] = -0.1 }
        rejects("nmse[3]") { $0.nmse[3] = 1e300 }
        rejects("logSpread[0]") { $0.logSpread[0] = -1 }
        rejects("ambiguity[3]") { $0.ambiguity[3] = 1.5 }
        rejects("ambiguity[0]") { $0.ambiguity[0] = -0.1 }
        rejects("one entry per cell") { $0.ambiguity = [0] }
        rejects("samples[1]") { $0.samples[1] = 0 }
        rejects("samples[1]") { $0.samples[1] = 81 }                     // more than the validation points
        rejects("does not match the training box") { $0.lower[0] = -0.5 }
        rejects("does not match the training box") { $0.cell[0] = 0.25 }
        rejects("does not match the training box") {
            $0.shape = [2, 2, 2]; $0.nmse += $0.nmse; $0.logSpread += $0.logSpread; $0.ambiguity += $0.ambiguity; $0.samples += $0.samples
        }
    }

    @Test func theSurveyAdviceNamesTheWorstCellsOnly() {
        let map = ModelQualityMap(lower: [0, 0, 1], cell: [0.5, 0.5, 1], shape: [2, 2, 1],
                                  nmse: [0.001, 0.001, 0.001, 0.1], logSpread: [0, 0, 0, 0], ambiguity: [0, 0, 0, 0], samples: [20, 20, 20, 20])
        let advice = ModelTrainer.densityAdvice(map)
        // The median cell is −30 dB; the cell (1, 1), centred on (0.75, 0.75) (a flat map: no z), is 20 dB worse.
        #expect(advice?.contains("1 of 4 cells") == true && advice?.contains("(0.8, 0.8) m at -10.0 dB") == true, "\(advice ?? "nil")")
        var even = map; even.nmse[3] = 0.003
        #expect(ModelTrainer.densityAdvice(even) == nil)
    }
}

/// `QualityMeasurement`: the per-sample NMSE and the "fooled" test on channels whose labels the test controls.
@Suite struct QualityMeasurementTests {
    static let f0 = 3.5e9
    static var lambda: Double { speedOfLight / f0 }
    static let scene = Scene(name: "q", array: .ula(count: 8, spacing: speedOfLight / 3.5e9 / 2, center: Point3(-4, 0.3, 2.5), axis: Point3(0, 1, 0)),
                             subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: 8), planes: [], maxReflectionOrder: 0,
                             ueRegion: Region(x: -0.6...0.6, y: -0.6...0.6, z: 1...1))

    @Test func aSampleLabelledOneWavelengthOffIsFooledAndACorrectOneIsNot() {
        let sim = ChannelSimulator(scene: Self.scene)
        let positions = [Point3(0.1, 0.05, 1), Point3(-0.2, 0.1, 1)]
        // The second sample's channel is measured λ east of its label: the circle point at angle 0, radius λ, is
        // exactly where it was measured, so it fits perfectly while the label does not.
        let measured = sim.channels(at: [positions[0], positions[1] + Point3(Self.lambda, 0, 0)])
        let s = QualityMeasurement.samples(model: sim, positions: positions, reference: measured, nuisance: .none,
                                           lower: Point3(-0.6, -0.6, 1), upper: Point3(0.6, 0.6, 1), width: 1)
        #expect(s.fooled == [false, true])
        #expect(s.ratios[0] < 1e-20)
        // The wrong label's NMSE, by hand: ‖H(x + λ) − H(x)‖² / ‖H(x + λ)‖².
        let h = measured[(2 * 64)...].map { $0 }, f = sim.channels(at: [positions[1]])
        let byHand = zip(h, f).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / h.reduce(0) { $0 + $1 * $1 }
        #expect(abs(s.ratios[1] - byHand) < 1e-9 * byHand)
    }
}
