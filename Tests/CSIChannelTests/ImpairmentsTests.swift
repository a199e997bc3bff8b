import CSINumerics
import Numerics
import Testing

@testable import CSIChannel

@Suite struct ImpairmentsTests {
    static let plan = SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: 16)

    static func channel() -> [Float] {
        let sim = ChannelSimulator(scene: TestScenes.losOnly(antennas: 4, subcarriers: plan))
        var h = [Float](repeating: 0, count: sim.valuesPerChannel)
        [Point3(0.2, 0.1, 1)].withUnsafeBufferPointer { p in
            h.withUnsafeMutableBufferPointer { sim.evaluateFloat(p, into: $0) }
        }
        return h
    }

    @Test func commonPhaseAndTimingOffsetPreserveMagnitudesAndAddALinearPhase() {
        let clean = Self.channel()
        var h = clean
        var rng = SeededGenerator(seed: 7)
        let imp = Impairments(randomCommonPhase: true, maxTimingOffset: 20e-9)
        h.withUnsafeMutableBufferPointer {
            imp.apply(to: $0, antennas: 4, frequencies: Self.plan.frequencies, carrier: Self.plan.carrier, rng: &rng)
        }
        // Ratio h/clean must be e^{j(θ − 2π(f_k − f0)τ)}: unit modulus, same for every antenna, phase linear in k.
        var phases: [Double] = []
        for k in 0..<16 {
            var ratios: [Complex<Double>] = []
            for j in 0..<4 {
                let i = 2 * (j * 16 + k)
                let r = Complex(Double(h[i]), Double(h[i + 1])) / Complex(Double(clean[i]), Double(clean[i + 1]))
                #expect(abs(r.length - 1) < 1e-5)
                ratios.append(r)
            }
            for r in ratios { #expect((r - ratios[0]).length < 1e-5) }
            phases.append(ratios[0].phase)
        }
        // Unwrap and check constant second differences (linear phase).
        var unwrapped = [phases[0]]
        for k in 1..<phases.count {
            var d = phases[k] - phases[k - 1]
            while d > .pi { d -= 2 * .pi }
            while d < -.pi { d += 2 * .pi }
            unwrapped.append(unwrapped[k - 1] + d)
        }
        for k in 2..<unwrapped.count {
            #expect(abs(unwrapped[k] - 2 * unwrapped[k - 1] + unwrapped[k - 2]) < 1e-4)
        }
        #expect(abs(unwrapped[1] - unwrapped[0]) > 1e-3) // a non-zero offset was applied
    }

    @Test func noisePowerMatchesTheRequestedSNR() {
        let clean = Self.channel()
        let signal = clean.reduce(0.0) { $0 + Double($1) * Double($1) }
        var noisePower = 0.0
        let trials = 400
        for t in 0..<trials {
            var h = clean
            var rng = SeededGenerator(seed: 3, stream: UInt64(t))
            let imp = Impairments(snrDB: 5)
            h.withUnsafeMutableBufferPointer {
                imp.apply(
                    to: $0, antennas: 4, frequencies: Self.plan.frequencies, carrier: Self.plan.carrier, rng: &rng)
            }
            for i in h.indices { noisePower += Double(h[i] - clean[i]) * Double(h[i] - clean[i]) }
        }
        let snr = decibels(signal / (noisePower / Double(trials)))
        // 400 × 128 real Gaussians: the power estimate is within ±0.1 dB with overwhelming probability.
        #expect(abs(snr - 5) < 0.1)
    }

    @Test func sameSeedSameNoiseAcrossThreadCounts() {
        let scene = TestScenes.losOnly(antennas: 4, subcarriers: Self.plan)
        let sim = ChannelSimulator(scene: scene)
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: 500, seed: 11)
        let imp = Impairments(snrDB: 10, randomCommonPhase: true, maxTimingOffset: 5e-9, gainStdDB: 2)
        func run(width: Int, block: Int) -> [Float] {
            var all: [Float] = []
            SimulationJob(simulator: sim, positions: positions, impairments: imp, seed: 99, blockSize: block)
                .run(width: width) { all.append(contentsOf: $0) }
            return all
        }
        let a = run(width: 1, block: 500), b = run(width: 2, block: 64)
        #expect(a == b)
        let c: [Float] = {
            var all: [Float] = []
            SimulationJob(simulator: sim, positions: positions, impairments: imp, seed: 100).run {
                all.append(contentsOf: $0)
            }
            return all
        }()
        #expect(a != c)
    }
}

@Suite struct ImpairmentDriftTests {
    /// Frame i of a drifting receiver carries i × the phase drift and i × the timing drift: the ratio of the
    /// impaired to the clean channel is e^{j(iΔφ − 2π(f_k − f₀)·iΔτ)} exactly, and frame 0 is untouched.
    @Test func driftsGrowLinearlyWithTheFrameNumber() {
        let plan = ImpairmentsTests.plan
        let clean = ImpairmentsTests.channel()
        let imp = Impairments(timingDriftPerFrame: 0.3e-9, phaseDriftPerFrame: 0.05)
        for frame in [0, 1, 17] {
            var h = clean
            var rng = SeededGenerator(seed: 1)
            h.withUnsafeMutableBufferPointer {
                imp.apply(
                    to: $0, antennas: 4, frequencies: plan.frequencies, carrier: plan.carrier, frame: frame, rng: &rng)
            }
            for k in 0..<16 {
                let expected =
                    Double(frame) * 0.05 - 2 * Double.pi * (plan.frequencies[k] - plan.carrier) * Double(frame) * 0.3e-9
                let want = Complex<Double>(length: 1, phase: expected)
                for j in 0..<4 {
                    let i = 2 * (j * 16 + k)
                    let r = Complex(Double(h[i]), Double(h[i + 1])) / Complex(Double(clean[i]), Double(clean[i + 1]))
                    #expect((r - want).length < 1e-5, "frame \(frame), antenna \(j), subcarrier \(k)")
                }
            }
        }
    }

    @Test func sceneFileReadsTheDriftsAndRejectsAbsurdOnes() throws {
        let base = """
            name: t
            array: {kind: ula, count: 2, center: [0, 0, 3], axis: [0, 1, 0]}
            subcarriers: {carrier: 3.5e9, bandwidth: 1e8, count: 4}
            ue: {region: {x: [-1, 1], y: [-1, 1], z: 1}}
            """
        let scene = try Scene.parse(
            yaml: base + "\nimpairments: {timing_drift_ns_per_frame: 0.5, phase_drift_rad_per_frame: -0.01}\n")
        #expect(
            abs(scene.impairments.timingDriftPerFrame - 0.5e-9) < 1e-18 && scene.impairments.phaseDriftPerFrame == -0.01
        )
        #expect(scene.impairments.isActive)
        #expect(throws: (any Error).self) {
            try Scene.parse(yaml: base + "\nimpairments: {timing_drift_ns_per_frame: 1e9}\n")
        }
        #expect(throws: (any Error).self) {
            try Scene.parse(yaml: base + "\nimpairments: {phase_drift_rad_per_frame: .nan}\n")
        }
    }
}
