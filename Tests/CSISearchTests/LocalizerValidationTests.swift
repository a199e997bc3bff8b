import CSIChannel
import Foundation
import Testing

@testable import CSISearch

/// Every value of a `LocalizerConfiguration`, region and model is checked before a `Localizer` allocates or
/// converts anything: bad ones are errors naming the field, never traps or gigabytes (issue 13, classes 2–4).
@Suite struct LocalizerValidationTests {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func scene(_ name: String) throws -> Scene {
        try Scene.load(contentsOf: repositoryRoot + "/etc/scenes/\(name).yaml")
    }

    /// Every shipped scene with every method and nuisance (2-D, and 3-D over 0.6 m of height) stays well inside
    /// the default limits: the limits reject only what no deployment needs.
    @Test func everyPresetOnEveryShippedSceneIsWithinTheDefaultLimits() throws {
        for name in ["tiny-los", "street", "street-patch", "street-pattern", "street-corner", "room"] {
            let scene = try Self.scene(name)
            let sim = ChannelSimulator(scene: scene)
            var tall = SearchRegion(scene.ueRegion)
            tall.upper.z += 0.6
            for region in [SearchRegion(scene.ueRegion), tall] {
                for method in SearchMethod.allCases {
                    for nuisance in NuisanceModel.allCases {
                        let plan = try method.configuration(nuisance: nuisance).validate(model: sim, region: region)
                        // Largest today: street in 3-D, 281 MiB of dictionary; 18375 nodes of the 3-D nuisance lattice.
                        let limits = LocalizerLimits.default
                        #expect(plan.dictionaryBytes < limits.maxDictionaryBytes / 3, "\(name) \(method) \(nuisance)")
                        #expect(
                            max(plan.localNodes, plan.widenedNodes, plan.circleSamples, plan.arcSamples)
                                < limits.maxStageCandidates / 8, "\(name) \(method) \(nuisance)")
                        #expect(plan.scratchBytes < limits.maxScratchBytes / 64)
                    }
                }
            }
        }
    }

    /// Each bad value is an error naming its field (the first key) — before the fix these trapped in an
    /// `Int(Double)` conversion or a `ClosedRange`, or asked for gigabytes.
    @Test func badValuesAreErrorsNamingTheField() throws {
        let street = try Self.scene("street")
        let sim = ChannelSimulator(scene: street)
        let region = SearchRegion(street.ueRegion)
        /// The error's first key, or `focus` when it is one of the keys the error names.
        func key(
            _ change: (inout LocalizerConfiguration) -> Void, region r: SearchRegion? = nil, focus: String? = nil
        ) -> String {
            var c = SearchMethod.robust.configuration
            change(&c)
            do { try c.validate(model: sim, region: r ?? region); return "accepted" } catch let e
                as LocalizerConfigurationError
            {
                #expect(!e.message.isEmpty)
                return e.keys.contains(focus ?? "") ? focus! : e.keys[0]
            } catch { return "\(error)" }
        }
        // Sizes: the 3 GB global grid, a 1e300 m local half-width (trapped during reload), tiny steps.
        #expect(key { $0.globalSpacing = 0.001 } == "globalSpacing")
        #expect(key { $0.globalSpacing = 1e-300 } == "globalSpacing")
        #expect(key { $0.localHalfWidth = 1e300 } == "localHalfWidth")
        #expect(key { $0.localHalfWidthSpacings = 1e300 } == "localHalfWidthSpacings")
        #expect(key { $0.localStepWavelengths = 1e-12 } == "localHalfWidthSpacings")
        #expect(key { $0.localVerticalHalfWidth = 1e300 } == "accepted") // 2-D: unused
        #expect(key { $0.widenedHalfWidthFactor = 1e6 } == "widenedHalfWidthFactor")
        #expect(key { $0.circleArcSpacingWavelengths = 1e-9 } == "circleArcSpacingWavelengths")
        #expect(key({ $0.circleContractions = [1e-300] }, focus: "circleContractions") == "circleContractions")
        #expect(key { $0.carrier = 1e30 } == "carrier")
        #expect(key { $0.carrier = 1e12 } == "localHalfWidthSpacings") // λ₀ = 0.3 mm: the local grid explodes
        // Values out of their domain.
        for bad in [0, -1, Double.nan, .infinity] {
            #expect(key { $0.globalSpacing = bad } == "globalSpacing")
            #expect(key { $0.localStepWavelengths = bad } == "localStepWavelengths")
            #expect(key { $0.circleArcSpacingWavelengths = bad } == "circleArcSpacingWavelengths")
            #expect(key { $0.arcSpacingWavelengths = bad } == "arcSpacingWavelengths")
            #expect(key { $0.carrier = bad } == "carrier")
            #expect(key { $0.adamDecay = bad } == "adamDecay")
        }
        #expect(key { $0.localHalfWidth = -1 } == "localHalfWidth")
        #expect(key { $0.localHalfWidth = .nan } == "localHalfWidth")
        #expect(key { $0.circleContractions = [.nan] } == "circleContractions")
        #expect(key { $0.circleContractions = [0] } == "circleContractions")
        #expect(key { $0.circleOrders = [0] } == "circleOrders")
        #expect(key { $0.circleOrders = [-3] } == "circleOrders")
        #expect(key { $0.circleOrders = [Int.max] } == "circleOrders")
        #expect(key { $0.globalPrescreenStride = Int.max } == "globalPrescreenStride")
        #expect(key { $0.globalPrescreenKeep = 0 } == "globalPrescreenKeep")
        #expect(key { $0.globalStarts = -1 } == "globalStarts")
        #expect(key { $0.maxIterations = -1 } == "maxIterations")
        #expect(key { $0.gradientSteps = -5 } == "gradientSteps")
        #expect(key { $0.arcMaxSamples = 1 << 20 } == "arcMaxSamples")
        #expect(key { $0.arcSpanSamples = 0 } == "arcSpanSamples")
        #expect(key { $0.arcSpanSamples = 9 } == "arcSpanSamples")
        #expect(key { $0.arcSpanStepWavelengths = .nan } == "arcSpanStepWavelengths")
        #expect(key { $0.arcSpanRadialHalfWidthSpacings = -1 } == "arcSpanRadialHalfWidthSpacings")
        #expect(key { $0.arcSpanAxialHalfWidthSpacings = .infinity } == "arcSpanAxialHalfWidthSpacings")
        #expect(key { $0.arcSpanRefinedNodes = 1000 } == "arcSpanRefinedNodes")
        #expect(key { $0.arcSpanCandidates = 0 } == "arcSpanCandidates")
        #expect(key { $0.arcSpanCoarseAntennaStride = -1 } == "arcSpanCoarseAntennaStride")
        #expect(key { $0.rankingAntennaStride = -1 } == "rankingAntennaStride")
        #expect(key { $0.rankingAntennaStride = 65 } == "rankingAntennaStride")
        #expect(key { $0.rankingRescored = -1 } == "rankingRescored")
        #expect(key { $0.rankingRescored = 2000 } == "rankingRescored")
        #expect(key { $0.polishJacobianReach = -0.01 } == "polishJacobianReach")
        #expect(key { $0.polishJacobianReach = 0.2 } == "polishJacobianReach")
        #expect(key { $0.polishJacobianReach = .nan } == "polishJacobianReach")
        #expect(key { $0.polishRivalScreen = -1 } == "polishRivalScreen")
        #expect(key { $0.polishRivalScreen = 101 } == "polishRivalScreen")
        #expect(key { $0.polishRivalScreen = .infinity } == "polishRivalScreen")
        #expect(key { $0.ambiguityStage = true; $0.ambiguityScreenIterations = -1 } == "ambiguityScreenIterations")
        #expect(key { $0.arcSpanScreenIterations = -1 } == "arcSpanScreenIterations")
        #expect(key { $0.arcSpanContinuedStarts = 0 } == "arcSpanContinuedStarts")
        #expect(key { $0.arcSpanContinuedStarts = 1 << 40 } == "arcSpanContinuedStarts")
        #expect(key { $0.arcSpanCoarseSubcarrierStride = 1 << 40 } == "arcSpanCoarseSubcarrierStride")
        // In 3-D the span lattice's node count is bounded (a huge width or a tiny step), in 2-D it is unused.
        let slab = SearchRegion(lower: Point3(-5, -5, 1.2), upper: Point3(5, 5, 1.8))
        #expect(key({ $0.arcSpanRadialHalfWidthSpacings = 1e6 }, region: slab) == "arcSpanAxialHalfWidthSpacings")
        #expect(
            key({ $0.arcSpanStepWavelengths = 1e-6 }, region: slab, focus: "arcSpanStepWavelengths")
                == "arcSpanStepWavelengths")
        #expect(key({ $0.arcSpanStepWavelengths = 1e-6 }) == "accepted")
        #expect(key({ _ in }, region: slab) == "accepted")
        #expect(key { $0.localCandidatesToRefine = 0 } == "localCandidatesToRefine")
        #expect(key { $0.circleCandidatesToRefine = 1 << 30 } == "circleCandidatesToRefine")
        #expect(key { $0.noiseFloor = .snrDB(.nan) } == "noiseFloor")
        #expect(key { $0.noiseFloor = .variance(-1) } == "noiseFloor")
        #expect(key { $0.grossErrorSigmas = .infinity } == "grossErrorSigmas")
        #expect(key { $0.modelErrorSigmas = -1 } == "modelErrorSigmas")
        #expect(key { $0.modelErrorSigmas = 11 } == "modelErrorSigmas")
        #expect(key { $0.widenedModelErrorSigmas = .nan } == "widenedModelErrorSigmas")
        #expect(key { $0.widenedModelErrorSigmas = -10.5 } == "widenedModelErrorSigmas")
        #expect(key { $0.widenedModelErrorSigmas = 11 } == "widenedModelErrorSigmas")
        #expect(key { $0.widenedModelErrorSigmas = -10 } == "accepted")
        #expect(key { $0.untrustedAmbiguity = .nan } == "untrustedAmbiguity")
        #expect(key { $0.untrustedAmbiguity = 1.01 } == "untrustedAmbiguity")
        #expect(key { $0.runnerUpAlignment = -0.1 } == "runnerUpAlignment")
        #expect(key { $0.runnerUpAlignment = .infinity } == "runnerUpAlignment")
        #expect(key { $0.runnerUpSigmas = 11 } == "runnerUpSigmas")
        // Regions: inverted, not finite, astronomically large (the configuration's, or the model's default).
        let p = Point3(0, 0, 1.5)
        let inverted = SearchRegion(lower: Point3(1, 0, 1.5), upper: Point3(0, 1, 1.5))
        let notFinite = SearchRegion(lower: Point3(.nan, 0, 1.5), upper: Point3(1, 1, 1.5))
        let huge = SearchRegion(lower: Point3(-1e300, -1e300, 1.5), upper: Point3(1e300, 1e300, 1.5))
        let wide = SearchRegion(lower: Point3(-1e5, -1e5, 1.5), upper: Point3(1e5, 1e5, 1.5))
        for r in [inverted, notFinite, huge] {
            #expect(key { $0.region = r } == "region")
            #expect(key({ _ in }, region: r) == "region")
        }
        #expect(key { $0.region = wide } == "globalSpacing")
        #expect(key { $0.region = SearchRegion(lower: p, upper: p) } == "accepted")
    }

    /// The model's own shape and frequencies are checked too (a crafted or foreign model).
    @Test func badModelsAreErrorsNamingTheModel() throws {
        let region = SearchRegion(lower: Point3(0, 0, 1), upper: Point3(1, 1, 1))
        func key(_ model: ConstantModel) -> String {
            do {
                try SearchMethod.robust.configuration.validate(model: model, region: region); return "accepted"
            } catch let e as LocalizerConfigurationError {
                return e.keys[0]
            } catch { return "\(error)" }
        }
        let antennas = [Point3(0, 0, 3), Point3(0, 0.05, 3)]
        #expect(key(ConstantModel(antennaPositions: antennas, frequencies: [3.5e9])) == "accepted")
        #expect(key(ConstantModel(antennaPositions: antennas, frequencies: [])) == "model")
        #expect(key(ConstantModel(antennaPositions: [], frequencies: [3.5e9])) == "model")
        #expect(key(ConstantModel(antennaPositions: antennas, frequencies: [.nan])) == "model")
        #expect(key(ConstantModel(antennaPositions: antennas, frequencies: [-1])) == "model")
        #expect(key(ConstantModel(antennaPositions: antennas, frequencies: [1e300, 1e300])) == "carrier")
        #expect(key(ConstantModel(antennaPositions: [Point3(.infinity, 0, 0)], frequencies: [3.5e9])) == "model")
        // 16384 subcarriers: NuisanceMatch's timing table alone would be 4 GiB per worker.
        #expect(
            key(ConstantModel(antennaPositions: antennas, frequencies: (0..<16384).map { 3.5e9 + Double($0) * 30e3 }))
                == "model")
    }

    /// `Localizer(validating:)` throws where the plain initializer trapped (a 1e300 m local half-width: an
    /// `Int(Double)` overflow in the lattice), so the daemon and the CLI can report it.
    @Test func validatingInitializerThrowsInsteadOfTrapping() throws {
        let scene = SearchTestSupport.lineOfSight()
        var c = SearchMethod.robust.configuration
        c.localHalfWidth = 1e300
        #expect(throws: LocalizerConfigurationError.self) {
            _ = try Localizer(
                validating: ChannelSimulator(scene: scene), region: scene.ueRegion, configuration: c, width: 1)
        }
        c.localHalfWidth = nil
        let l = try Localizer(
            validating: ChannelSimulator(scene: scene), region: scene.ueRegion, configuration: c, width: 1)
        #expect(l.dictionary.nodes.count > 0)
    }

    /// A model whose output is NaN (every cost NaN) gives a flagged fix, not a trap and not a trusted one.
    @Test func nanCostsGiveAFlaggedFix() throws {
        let model = ConstantModel(
            antennaPositions: [Point3(0, 0, 3), Point3(0, 0.05, 3)], frequencies: [3.5e9, 3.51e9], value: .nan)
        let region = Region(x: 0...0.5, y: 0...0.5, z: 1...1)
        for method in SearchMethod.allCases {
            let l = try Localizer(validating: model, region: region, configuration: method.configuration, width: 1)
            let fix = l.localize([Double](repeating: 1, count: model.valuesPerChannel))
            #expect(fix.status == .grossErrorSuspected, "\(method): \(fix.status) cost \(fix.cost)")
        }
    }
}

/// A channel model with the same value everywhere (NaN for the NaN-cost test), any shape.
struct ConstantModel: ChannelModel {
    var antennaPositions: [Point3]
    var frequencies: [Double]
    var value: Double = 1

    func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<(positions.count * valuesPerChannel) { output[i] = value }
    }

    func evaluateWithJacobian(
        at position: Point3, value v: UnsafeMutableBufferPointer<Double>,
        jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        for i in 0..<valuesPerChannel { v[i] = value }
        for i in 0..<(3 * valuesPerChannel) { jacobian[i] = value.isNaN ? .nan : 0 }
    }
}
