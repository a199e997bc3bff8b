import CSINumerics
import Foundation
import Testing

@testable import CSIChannel
@testable import CSISearch

/// A composite model: the simulator as its base plus a smooth correction (`weight`, by default 1 %, of the base's
/// channel at a point 3 cm away), counting how many candidates its own `correlate` scores.
struct CompositeModel: ChannelModel {
    let base: ChannelSimulator
    var weight = 0.01
    let counter = Counter()
    /// Jacobians taken of the composite itself.
    let jacobians = Counter()
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add(_ k: Int) { lock.lock(); n += k; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }
    var antennaPositions: [Point3] { base.antennaPositions }
    var frequencies: [Double] { base.frequencies }
    var scoringBase: (any ChannelModel)? { base }
    static let shift = Point3(0.03, 0, 0)

    func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        base.evaluate(positions, into: output)
        let shifted = base.channels(at: positions.map { $0 + Self.shift })
        for i in 0..<(positions.count * valuesPerChannel) { output[i] += weight * shifted[i] }
    }
    func evaluateWithJacobian(
        at x: Point3, value: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        jacobians.add(1)
        base.evaluateWithJacobian(at: x, value: value, jacobian: jacobian)
        let (v, j) = base.channelAndJacobian(at: x + Self.shift)
        for i in 0..<valuesPerChannel { value[i] += weight * v[i] }
        for i in 0..<(3 * valuesPerChannel) { jacobian[i] += weight * j[i] }
    }
    func correlate(
        _ positions: UnsafeBufferPointer<Point3>, hRe: UnsafePointer<Double>, hIm: UnsafePointer<Double>,
        correlations: UnsafeMutablePointer<Double>, energies: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutableBufferPointer<Double>
    ) {
        counter.add(positions.count)
        evaluate(positions, into: scratch)
        // The default correlation of the written channels (as `ChannelModel.correlate` does).
        let na = antennaCount, ns = subcarrierCount, stride = valuesPerChannel
        for b in 0..<positions.count {
            var e = 0.0
            for k in 0..<ns {
                var cr = 0.0, ci = 0.0
                for j in 0..<na {
                    let fr = scratch[b * stride + 2 * (j * ns + k)], fi = scratch[b * stride + 2 * (j * ns + k) + 1]
                    cr += fr * hRe[k * na + j] + fi * hIm[k * na + j]; ci += fr * hIm[k * na + j] - fi * hRe[k * na + j]
                    e += fr * fr + fi * fi
                }
                correlations[2 * (b * ns + k)] = cr; correlations[2 * (b * ns + k) + 1] = ci
            }
            energies[b] = e
        }
    }
}

@Suite struct ScoringBaseTests {
    /// Six random points of the scene's plane at 1 m.
    static func truths(seed: UInt64) -> [Point3] {
        var rng = SeededGenerator(seed: seed)
        return (0..<6).map { _ in Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1) }
    }

    /// Localizes the model's own channel at each truth and expects the fix on it (to 10⁻⁶ m); returns the fixes.
    static func localizeExactly(
        _ model: CompositeModel, _ scene: Scene, _ configuration: LocalizerConfiguration, _ truths: [Point3],
        _ label: String
    ) -> [Fix] {
        let localizer = Localizer(model: model, region: scene.ueRegion, configuration: configuration, width: 1)
        return truths.map { t in
            let fix = localizer.localize(model.channels(at: [t]))
            #expect((fix.position - t).length < 1e-6, "\(label): \(fix.position) vs \(t)")
            return fix
        }
    }

    /// With `scoreWithBase` the grid stages never score with the composite (only its base), the refinements use
    /// the composite, and the fixes of its own channels are as exact as when the composite scores everything.
    @Test func gridStagesRankWithTheBaseAndRefineWithTheFullModel() {
        let scene = SearchTestSupport.lineOfSight()
        let model = CompositeModel(base: ChannelSimulator(scene: scene))
        let truths = Self.truths(seed: 17)
        var configuration = SearchMethod.robust.configuration
        configuration.refineWithBase = false
        for useBase in [true, false] {
            configuration.scoreWithBase = useBase
            let before = model.counter.value
            _ = Self.localizeExactly(model, scene, configuration, truths, "scoreWithBase \(useBase)")
            let scored = model.counter.value - before
            if useBase { #expect(scored == 0) } else { #expect(scored > 100 * truths.count) }
        }
    }

    /// With `refineWithBase` the refinements run on the base and only the polish takes the composite's Jacobians:
    /// the fixes are the composite's own minima (its correction moves them by millimetres from the base's), and
    /// the composite's Jacobians are a few per frame instead of one per iteration of every start.
    @Test func refinementsRunOnTheBaseAndThePolishFindsTheFullModelsMinimum() {
        let scene = SearchTestSupport.lineOfSight()
        let model = CompositeModel(base: ChannelSimulator(scene: scene))
        let truths = Self.truths(seed: 23)
        var jacobiansPerFrame: [Bool: Double] = [:]
        for refineWithBase in [true, false] {
            var configuration = SearchMethod.robust.configuration
            configuration.refineWithBase = refineWithBase
            let before = model.jacobians.value
            for fix in Self.localizeExactly(model, scene, configuration, truths, "refineWithBase \(refineWithBase)") {
                let polish = fix.stages.filter { $0.stage == .polish }
                #expect(polish.count == (refineWithBase ? 1 : 0))
                if let p = polish.first {
                    #expect(p.jacobianEvaluations >= 1 && p.position == fix.position && p.cost == fix.cost)
                }
            }
            jacobiansPerFrame[refineWithBase] = Double(model.jacobians.value - before) / Double(truths.count)
        }
        // The base's minimum is ≈ 1 mm from the composite's: a few polishing iterations, far fewer than before.
        #expect(jacobiansPerFrame[true]! <= 12)
        #expect(jacobiansPerFrame[true]! * 2 < jacobiansPerFrame[false]!)
        // A model without a base is never polished.
        let plain = Localizer(
            model: model.base, region: scene.ueRegion, configuration: SearchMethod.robust.configuration, width: 1)
        let fix = plain.localize(model.base.channels(at: [truths[0]]))
        #expect(!fix.stages.contains { $0.stage == .polish })
    }

    /// A full model that returns NaN where the base's minimum lies does not cost the frame its fix: the polish keeps
    /// the base's result (finite cost, the truth), where taking the NaN would flag the fix and lose its position.
    @Test func thePolishKeepsTheBasesFixWhereTheFullModelIsNaN() {
        let scene = SearchTestSupport.lineOfSight()
        let model = NaNComposite(base: ChannelSimulator(scene: scene))
        let localizer = Localizer(
            model: model, region: scene.ueRegion, configuration: SearchMethod.robust.configuration, width: 1)
        for t in [Point3(0.3, 0.2, 1), Point3(0.45, -0.35, 1)] {
            let fix = localizer.localize(model.base.channels(at: [t]))
            #expect(fix.stages.contains { $0.stage == .polish })
            #expect(fix.cost.isFinite && (fix.position - t).length < 1e-6, "\(fix.position) vs \(t), cost \(fix.cost)")
            #expect(fix.status != .grossErrorSuspected)
        }
    }
}

/// A composite whose full model's Jacobian (what refinements evaluate) is NaN for x > 0.2 m; its values and its
/// base, the simulator, are finite everywhere (so the global dictionary and the grid stages are unaffected).
struct NaNComposite: ChannelModel {
    let base: ChannelSimulator
    var antennaPositions: [Point3] { base.antennaPositions }
    var frequencies: [Double] { base.frequencies }
    var scoringBase: (any ChannelModel)? { base }

    func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
        base.evaluate(positions, into: output)
    }
    func evaluateWithJacobian(
        at x: Point3, value: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        base.evaluateWithJacobian(at: x, value: value, jacobian: jacobian)
        if x.x > 0.2 { value.update(repeating: .nan); jacobian.update(repeating: .nan) }
    }
}
