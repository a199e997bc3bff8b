import CSIChannel
import CSINumerics
import Testing

@testable import CSISearch

/// A frame's reported SNR sets the noise level of its fix status (`LocalizerConfiguration.reportedSNR`): exactly
/// σ² = ‖H‖²/(N(10^(SNR/10) + 1)) of the measured energy, only when plausible, and only with `noiseFloor` estimated.
@Suite struct ReportedSNRTests {
    static let scene = SearchTestSupport.multipath()
    static let sim = ChannelSimulator(scene: scene)
    static let truth = Point3(0.11, -0.07, 1)

    /// The exact channel at `truth` plus white noise at `snrDB` (per location).
    static func frame(snrDB: Double, seed: UInt64 = 5) -> [Double] {
        let h = sim.channels(at: [truth])
        let energy = h.reduce(0) { $0 + $1 * $1 }
        let sigma2 = energy / Double(sim.antennaCount * sim.subcarrierCount) / fromDecibels(snrDB)
        var rng = SeededGenerator(seed: seed)
        return h.map { $0 + (sigma2 / 2).squareRoot() * rng.nextGaussian() }
    }

    static func localizer(_ edit: (inout LocalizerConfiguration) -> Void = { _ in }) -> Localizer {
        var c = LocalizerConfiguration()
        edit(&c)
        return Localizer(model: sim, region: scene.ueRegion, configuration: c)
    }

    @Test func aReportedSNRGivesTheNoiseVarianceOfTheMeasuredEnergy() {
        let h = Self.frame(snrDB: 20)
        let energy = h.reduce(0) { $0 + $1 * $1 }
        let n = Double(Self.sim.antennaCount * Self.sim.subcarrierCount)
        let l = Self.localizer()
        for snr in [18.0, 20, 35.5, 80] { // all within the cap (twice the frame's estimate)
            let fix = l.localize(h, reportedSNRdB: snr)
            let expected = energy / (n * (fromDecibels(snr) + 1))
            #expect(abs(fix.noiseVariance - expected) <= 1e-12 * expected, "\(snr) dB")
            #expect(fix.noiseSource == .reported)
        }
    }

    @Test func implausibleOrUnreportedSNRsAndTheSwitchFallBackToTheEstimate() {
        let h = Self.frame(snrDB: 20)
        let l = Self.localizer()
        let estimated = l.localize(h).noiseVariance
        #expect(estimated > 0)
        for snr in [Double.nan, .infinity, -.infinity, 1e30, -1e30, 90.5, -30.5] {
            #expect(l.localize(h, reportedSNRdB: snr).noiseVariance == estimated, "\(snr)")
        }
        // Off: the report is ignored; a configured SNR wins over it.
        let off = Self.localizer { $0.reportedSNR = false }
        #expect(off.localize(h, reportedSNRdB: 20).noiseVariance == estimated)
        let known = Self.localizer { $0.noiseFloor = .snrDB(40) }
        let energy = h.reduce(0) { $0 + $1 * $1 }
        let n = Double(Self.sim.antennaCount * Self.sim.subcarrierCount)
        #expect(known.localize(h, reportedSNRdB: 20).noiseSource == .configured)
        let v = known.localize(h, reportedSNRdB: 20).noiseVariance
        #expect(abs(v - energy / (n * (fromDecibels(40) + 1))) <= 1e-12 * v)
    }

    /// The frame's own estimate belongs to that frame: one scratch reused over frames at 30, 5 and 30 dB gives each
    /// the estimate a fresh scratch gives it, and the estimates follow the SNR (the 5 dB frame's σ² > 10× the
    /// others', 25 dB apart; the 30 dB frames' estimates read some of the paths' main lobes too).
    @Test func eachFrameGetsItsOwnNoiseEstimateWhenTheScratchIsReused() {
        let l = Self.localizer()
        var shared = l.makeScratch()
        var estimates: [Double] = []
        for (snr, seed) in [(30.0, UInt64(7)), (5, 8), (30, 9)] {
            let h = Self.frame(snrDB: snr, seed: seed)
            let reused = h.withUnsafeBufferPointer { l.localize($0, scratch: &shared) }
            var fresh = l.makeScratch()
            let alone = h.withUnsafeBufferPointer { l.localize($0, scratch: &fresh) }
            #expect(reused.noiseSource == .estimated)
            #expect(reused.noiseVariance == alone.noiseVariance, "\(snr) dB")
            estimates.append(reused.noiseVariance)
        }
        #expect(estimates[1] > 10 * estimates[0] && estimates[1] > 10 * estimates[2])
    }

    /// The simulator as a trained model would present itself: not an oracle, no quality map.
    struct Trained: ChannelModel {
        let base: ChannelSimulator
        var antennaPositions: [Point3] { base.antennaPositions }
        var frequencies: [Double] { base.frequencies }
        func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>) {
            base.evaluate(positions, into: output)
        }
        func evaluateWithJacobian(
            at position: Point3, value: UnsafeMutableBufferPointer<Double>,
            jacobian: UnsafeMutableBufferPointer<Double>
        ) { base.evaluateWithJacobian(at: position, value: value, jacobian: jacobian) }
    }

    /// A quality map saying the model is exact everywhere (as a trainer would record for it).
    static func exactMap() -> ModelQualityMap {
        let r = scene.ueRegion
        let positions = PositionSampler.uniform(in: r, count: 200, seed: 3)
        return ModelQualityMap.build(
            positions: positions, ratios: [Double](repeating: 1e-12, count: positions.count),
            lower: Point3(r.x.lowerBound, r.y.lowerBound, 1), upper: Point3(r.x.upperBound, r.y.upperBound, 1))!
    }

    @Test func reportsNeedAKnownModelError() {
        let h = Self.frame(snrDB: 20)
        let energy = h.reduce(0) { $0 + $1 * $1 }
        let n = Double(Self.sim.antennaCount * Self.sim.subcarrierCount)
        let reported = energy / (n * (fromDecibels(20) + 1))
        let trained = Trained(base: Self.sim)
        let estimated = Self.localizer().localize(h).noiseVariance
        // Without a map the model's error is unknown: the report is ignored.
        let noMap = Localizer(model: trained, region: Self.scene.ueRegion, configuration: LocalizerConfiguration())
        #expect(noMap.localize(h, reportedSNRdB: 20).noiseVariance == estimated)
        // With a map it is used — unless the status does not use the map.
        let withMap = Localizer(
            model: trained, region: Self.scene.ueRegion, configuration: LocalizerConfiguration(),
            quality: Self.exactMap())
        #expect(abs(withMap.localize(h, reportedSNRdB: 20).noiseVariance - reported) <= 1e-12 * reported)
        var c = LocalizerConfiguration()
        c.modelQuality = false
        let mapOff = Localizer(model: trained, region: Self.scene.ueRegion, configuration: c, quality: Self.exactMap())
        #expect(mapOff.localize(h, reportedSNRdB: 20).noiseVariance == estimated)
    }

    @Test func theRangeEndsAreReportsAndALowReportIsCappedByTheFramesEstimate() {
        let h = Self.frame(snrDB: 20)
        let energy = h.reduce(0) { $0 + $1 * $1 }
        let n = Double(Self.sim.antennaCount * Self.sim.subcarrierCount)
        let l = Self.localizer()
        let estimated = l.localize(h).noiseVariance
        let high = l.localize(h, reportedSNRdB: 90).noiseVariance
        #expect(abs(high - energy / (n * (fromDecibels(90) + 1))) <= 1e-12 * high)
        // −30 dB claims ≈ all the energy is noise, far above this 20 dB frame's own estimate: capped at twice it.
        let low = l.localize(h, reportedSNRdB: -30)
        #expect(low.noiseVariance == 2 * estimated && low.noiseSource == .reportCapped)
        #expect(l.localize(h).noiseSource == .estimated)
        #expect(energy / (n * (fromDecibels(-30) + 1)) > 2 * estimated)
    }

    /// The status follows the report: a correct fix of a 20 dB frame is trusted when the frame says 20 dB, and
    /// suspect when it claims 50 dB (its residual is then ~10³ times the expected noise).
    @Test func theStatusFollowsTheReportedSNR() {
        let l = Self.localizer()
        for seed in 1...3 as ClosedRange<UInt64> {
            let h = Self.frame(snrDB: 20, seed: seed)
            let honest = l.localize(h, reportedSNRdB: 20)
            #expect((honest.position - Self.truth).length < SearchTestSupport.wavelength / 20, "seed \(seed)")
            #expect(honest.status != .grossErrorSuspected, "seed \(seed): noise ratio \(honest.noiseRatio)")
            #expect(abs(honest.noiseRatio - 1) < 0.3, "seed \(seed): noise ratio \(honest.noiseRatio)")
            let overstated = l.localize(h, reportedSNRdB: 50)
            #expect(overstated.status == .grossErrorSuspected, "seed \(seed)")
        }
    }
}
