import CSINumerics
import Foundation
import Testing

@testable import CSIChannel
@testable import CSISearch

/// A composite model: the simulator as its base plus a small smooth correction (1 % of the base's channel at a
/// point 3 cm away), counting how many candidates its own `correlate` scores.
struct CompositeModel: ChannelModel {
    let base: ChannelSimulator
    let counter = Counter()
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
        for i in 0..<(positions.count * valuesPerChannel) { output[i] += 0.01 * shifted[i] }
    }
    func evaluateWithJacobian(
        at x: Point3, value: UnsafeMutableBufferPointer<Double>, jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        base.evaluateWithJacobian(at: x, value: value, jacobian: jacobian)
        let (v, j) = base.channelAndJacobian(at: x + Self.shift)
        for i in 0..<valuesPerChannel { value[i] += 0.01 * v[i] }
        for i in 0..<(3 * valuesPerChannel) { jacobian[i] += 0.01 * j[i] }
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
    /// With `scoreWithBase` the grid stages never score with the composite (only its base), the refinements use
    /// the composite, and the fixes of its own channels are as exact as when the composite scores everything.
    @Test func gridStagesRankWithTheBaseAndRefineWithTheFullModel() {
        let scene = SearchTestSupport.lineOfSight()
        let model = CompositeModel(base: ChannelSimulator(scene: scene))
        var rng = SeededGenerator(seed: 17)
        let truths = (0..<6).map { _ in Point3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1) }
        var configuration = SearchMethod.robust.configuration
        for useBase in [true, false] {
            configuration.scoreWithBase = useBase
            let localizer = Localizer(model: model, region: scene.ueRegion, configuration: configuration, width: 1)
            let before = model.counter.value
            for t in truths {
                let fix = localizer.localize(model.channels(at: [t]))
                #expect((fix.position - t).length < 1e-6, "scoreWithBase \(useBase): \(fix.position) vs \(t)")
            }
            let scored = model.counter.value - before
            if useBase { #expect(scored == 0) } else { #expect(scored > 100 * truths.count) }
        }
    }
}
