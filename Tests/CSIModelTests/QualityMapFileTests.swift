import Foundation
import Testing

@testable import CSIChannel
@testable import CSIModel

/// The model file's `quality` section (docs/model.md, "Quality map"): round trip, older files, crafted values.
@Suite struct QualityMapFileTests {
    /// The sample file (training box [0, 1] × [0, 1] at z = 1) with a 2 × 2 map over its box.
    static func fileWithMap() -> ModelFile {
        var file = ModelFileTests.sampleFile()
        file.header.validation.points = 80
        file.header.quality = ModelQualityMap(
            lower: [0, 0, 1], cell: [0.5, 0.5, 1], shape: [2, 2, 1],
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
        func rejects(
            _ what: String, _ change: (inout ModelQualityMap) -> Void, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            var file = Self.fileWithMap()
            change(&file.header.quality!)
            let v = CraftedModelFileTests.verdict(file)
            #expect(
                v.hasPrefix("m.csimodel: header 'quality'") && v.contains(what), "\(v)", sourceLocation: sourceLocation)
        }
        rejects("3 entries") { $0.lower = [0, 0] }
        rejects("lower") { $0.lower[0] = 1e300 }
        rejects("cell sizes") { $0.cell[1] = 0 }
        rejects("cell sizes") { $0.cell[1] = -0.5 }
        rejects("cells per axis") { $0.shape = [0, 4, 1] }
        rejects("cells per axis") { $0.shape = [Int.max, 2, 1] }
        rejects("more than") { $0.shape = [60_000, 60_000, 1] } // each axis fine, the product not
        rejects("one entry per cell") { $0.nmse.removeLast() }
        rejects("one entry per cell") { $0.samples.append(3) }
        rejects("nmse[2]") { $0.nmse[2] = -0.1 }
        rejects("nmse[3]") { $0.nmse[3] = 1e300 }
        rejects("logSpread[0]") { $0.logSpread[0] = -1 }
        rejects("ambiguity[3]") { $0.ambiguity![3] = 1.5 }
        rejects("ambiguity[0]") { $0.ambiguity![0] = -0.1 }
        rejects("one entry per cell") { $0.ambiguity = [0] }
        rejects("samples[1]") { $0.samples[1] = 0 }
        rejects("samples[1]") { $0.samples[1] = 81 } // more than the validation points
        rejects("does not match the training box") { $0.lower[0] = -0.5 }
        rejects("does not match the training box") { $0.cell[0] = 0.25 }
        rejects("does not match the training box") {
            $0.shape = [2, 2, 2]; $0.nmse += $0.nmse; $0.logSpread += $0.logSpread; $0.ambiguity! += $0.ambiguity!;
            $0.samples += $0.samples
        }
    }

    @Test func theSurveyAdviceNamesTheWorstCellsOnly() {
        let map = ModelQualityMap(
            lower: [0, 0, 1], cell: [0.5, 0.5, 1], shape: [2, 2, 1],
            nmse: [0.001, 0.001, 0.001, 0.1], logSpread: [0, 0, 0, 0], ambiguity: [0, 0, 0, 0],
            samples: [20, 20, 20, 20])
        let advice = ModelTrainer.densityAdvice(map)
        // The median cell is −30 dB; the cell (1, 1), centred on (0.75, 0.75) (a flat map: no z), is 20 dB worse.
        #expect(
            advice?.contains("1 of 4 cells") == true && advice?.contains("(0.8, 0.8) m at -10.0 dB") == true,
            "\(advice ?? "nil")")
        var even = map; even.nmse[3] = 0.003
        #expect(ModelTrainer.densityAdvice(even) == nil)
    }
}

/// The trainer's quality map with a localizer plugged in: the map's ambiguity is the share of gross fixes per cell.
@Suite struct QualityMeasurementTests {
    @Test func grossErrorsAreFixesMoreThanHalfAWavelengthOff() {
        let lambda = speedOfLight / 3.5e9
        let truth = [Point3(0, 0, 1), Point3(0, 0, 1), Point3(0, 0, 1)]
        let fixes = [Point3(0.49 * lambda, 0, 1), Point3(0.51 * lambda, 0, 1), Point3(0, 0, 9)]
        #expect(
            QualityMeasurement.grossErrors(fixes: fixes, truth: truth, frequencies: [3.4e9, 3.6e9], flat: true) == [
                false, true, false,
            ])
        #expect(
            QualityMeasurement.grossErrors(fixes: fixes, truth: truth, frequencies: [3.5e9], flat: false) == [
                false, true, true,
            ])
        #expect(
            QualityMeasurement.grossErrors(
                fixes: [Point3(.nan, 0, 1)], truth: [truth[0]], frequencies: [3.5e9], flat: true) == [true])
    }

    /// A stand-in localizer that is right for x < 0 and 0.3 m off for x ≥ 0: the recorded ambiguity is 0 in cells
    /// wholly left of x = 0 and 1 in cells wholly right of it (each pooling only its own samples).
    @Test func theAmbiguityIsTheShareOfGrossValidationFixesPerCell() throws {
        let scene = Scene(
            name: "q",
            array: .ula(count: 4, spacing: speedOfLight / 3.5e9 / 2, center: Point3(-4, 0, 2), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 4), planes: [], maxReflectionOrder: 0,
            ueRegion: Region(x: -1...1, y: -0.5...0.5, z: 0...0))
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: 1600, seed: 4)
        let sim = ChannelSimulator(scene: scene)
        let dataset = CSIDataset(
            positions: positions, csi: sim.channels(at: positions).map(Float.init),
            frequencies: scene.subcarriers.frequencies, antennas: scene.array.positions,
            carrier: scene.subcarriers.carrier)
        var options = ModelTrainer.Options()
        options.kind = .physics
        options.maxPaths = 1
        options.nuisance = NuisanceModel.none
        options.localizeValidation = { _, positions, _ in positions.map { $0.x < 0 ? $0 : $0 + Point3(0.3, 0, 0) } }
        let file = try ModelTrainer(options: options).train(dataset: dataset)
        let map = try #require(file.header.quality)
        let ambiguity = try #require(map.ambiguity)
        // The validation samples (the trainer's split) in each cell: cells with 20 of their own pool nothing.
        let validation = TrainingData.split(
            count: positions.count, validationFraction: options.validationFraction, seed: options.seed
        ).validation
        var own = [Int](repeating: 0, count: map.cellCount)
        for v in validation { let (i, j, k) = map.cellIndices(of: positions[v]); own[map.index(i, j, k)] += 1 }
        var checked = 0
        for i in 0..<map.shape[0] {
            for j in 0..<map.shape[1] {
                let c = map.index(i, j, 0), x0 = map.lower[0] + Double(i) * map.cell[0]
                guard own[c] >= ModelQualityMap.defaultMinimumSamples else { continue }
                #expect(map.samples[c] == own[c])
                if x0 + map.cell[0] <= 0 { #expect(ambiguity[c] == 0, "cell \(i), \(j)"); checked += 1 }
                if x0 >= 0 { #expect(ambiguity[c] == 1, "cell \(i), \(j)"); checked += 1 }
            }
        }
        #expect(checked >= 2)
        #expect(file.header.decisions.contains { $0.hasPrefix("survey more densely") } == false)
        #expect(CraftedModelFileTests.verdict(file) == "accepted")
    }
}
