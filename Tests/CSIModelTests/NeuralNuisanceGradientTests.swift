import CSIChannel
import CSINumerics
import Foundation
import Testing

@testable import CSIModel

/// The variable-projection gradient of `NeuralTrainer+Nuisance.swift` (envelope theorem, pseudo-targets through the
/// networks' own backward pass) against central finite differences of the cost itself, with α_i, τ_i found again
/// at every perturbed θ — in Float64, on the same generic code the Float32 trainer runs.
@Suite struct NeuralNuisanceGradientTests {
    typealias S = NeuralTestSupport

    /// Frames H_i = α_i D(τ_i)(f_i + e_i): the network's own channel with a random gain (0.5–2), phase and timing
    /// offset (±5 ns) and a 30 % perturbation e_i, so that each frame's best (α, τ) is well defined and the cost
    /// is not zero.
    static func frames<N: NeuralField>(for net: N, positions: [Point3], seed: UInt64) -> [Double]
    where N.Scalar == Double {
        let st = net.valuesPerChannel, ns = net.geometry.frequencies.count
        let f = net.predict(positions)
        let fRef = net.geometry.frequencies.reduce(0, +) / Double(ns)
        var rng = SeededGenerator(seed: seed, stream: 21)
        var h = [Double](repeating: 0, count: f.count)
        for b in 0..<positions.count {
            var norm = 0.0
            for t in 0..<st { norm += f[b * st + t] * f[b * st + t] }
            let sigma = 0.3 * (norm / Double(st)).squareRoot()
            let gain = 0.5 + 1.5 * rng.nextUnit(), phase = 2 * Double.pi * rng.nextUnit(),
                tau = (rng.nextUnit() - 0.5) * 10e-9
            for t in stride(from: 0, to: st, by: 2) {
                let k = (t / 2) % ns
                let re = f[b * st + t] + sigma * rng.nextGaussian(), im = f[b * st + t + 1] + sigma * rng.nextGaussian()
                let ph = phase - 2 * Double.pi * (net.geometry.frequencies[k] - fRef) * tau
                let (s, c) = (gain * sin(ph), gain * cos(ph))
                h[b * st + t] = c * re - s * im; h[b * st + t + 1] = s * re + c * im
            }
        }
        return h
    }

    /// Σ_i w_i min_{α,τ} ‖H_i − α D(τ) f_i‖² + γ·Q·(Σ‖f_i‖²/Σ‖H_i‖² − 1)² (Q = Σ‖H_i‖², or the sample count when
    /// normalised: w_i = 1/‖H_i‖²), computed here from the network's predictions and a fresh matcher; `vp: false`
    /// leaves out the first term (the gauge penalty alone).
    static func objective<N: NeuralField>(
        _ net: N, positions: [Point3], frames h: [Double], nuisance: NuisanceModel,
        gamma: Double, normalised: Bool, vp: Bool = true
    ) -> Double where N.Scalar == Double {
        let st = net.valuesPerChannel, g = net.geometry
        var match = NuisanceMatch(
            frequencies: g.frequencies, antennas: g.antennas.count,
            reference: g.frequencies.reduce(0, +) / Double(g.frequencies.count), nuisance: nuisance)
        let f = net.predict(positions)
        var total = 0.0, modelEnergy = 0.0, surveyEnergy = 0.0
        for b in 0..<positions.count {
            h.withUnsafeBufferPointer { match.load(UnsafeBufferPointer(rebasing: $0[(b * st)..<((b + 1) * st)])) }
            let cost = f.withUnsafeBufferPointer { match.evaluate($0.baseAddress! + b * st).cost }
            for t in 0..<st { modelEnergy += f[b * st + t] * f[b * st + t] }
            surveyEnergy += match.energy
            if vp { total += (normalised ? 1 / match.energy : 1) * cost }
        }
        let r = modelEnergy / surveyEnergy
        return total + gamma * (normalised ? Double(positions.count) : surveyEnergy) * (r - 1) * (r - 1)
    }

    /// Worst |g_i − fd_i| / max_i |g_i| over every parameter (central differences of step h).
    static func gradientError<N: NeuralField>(
        _ net: N, gradient g: [Double], h: Double = 1e-6,
        _ cost: (N) -> Double
    ) -> Double where N.Scalar == Double {
        var worst = 0.0, scale = 0.0
        for v in g { scale = max(scale, abs(v)) }
        var probe = net
        for i in 0..<net.parameters.count {
            let v = net.parameters.values[i]
            probe.parameters.values[i] = v + h
            let lp = cost(probe)
            probe.parameters.values[i] = v - h
            let lm = cost(probe)
            probe.parameters.values[i] = v
            worst = max(worst, abs((lp - lm) / (2 * h) - g[i]))
        }
        return worst / scale
    }

    /// Runs `body` on a small MLP, a small RFF network and a small MB-INR (all Float64), with their names.
    static func forEachNetwork(_ body: (String, any DoubleField) -> Void) throws {
        let baselines = try NeuralGradientTests.baselines()
        body("MLP", baselines[0]); body("RFF", baselines[1])
        body("MB-INR", try NeuralGradientTests.mbinr(learnableAtoms: true))
    }

    /// (a) The variable-projection gradient, without the gauge penalty, per-sample weights 1 and 1/‖H_i‖².
    @Test(arguments: [NuisanceModel.phaseAndGain, .phaseGainAndTiming])
    func gradientMatchesFiniteDifferencesOfTheCost(nuisance: NuisanceModel) throws {
        try Self.forEachNetwork { name, net in
            for normalised in [false, true] {
                let err = net.vpError(nuisance: nuisance, gamma: 0, normalised: normalised)
                #expect(err < 1e-5, "\(name), \(nuisance), normalised \(normalised): relative gradient error \(err)")
            }
        }
    }

    /// (b) The gauge penalty's gradient alone (the difference of the gradients with and without it) and the
    /// whole objective's.
    @Test func gaugePenaltyGradientMatchesFiniteDifferences() throws {
        try Self.forEachNetwork { name, net in
            for normalised in [false, true] {
                let err = net.vpError(nuisance: .phaseGainAndTiming, gamma: 0.7, normalised: normalised)
                #expect(
                    err < 1e-5, "\(name), normalised \(normalised): relative gradient error with the penalty \(err)")
                let penalty = net.penaltyError(gamma: 0.7, normalised: normalised)
                #expect(
                    penalty < 1e-5,
                    "\(name), normalised \(normalised): relative error of the penalty's gradient \(penalty)")
            }
        }
    }

    /// (d) With `nuisance: .none` the same machinery reduces to the plain loss: α = 1, τ = 0, pseudo-targets = the
    /// channels, so cost and gradient equal `accumulateGradient`'s toward the channels.
    @Test func noNuisanceIsThePlainLoss() throws {
        try Self.forEachNetwork { name, net in
            let (dCost, dGrad) = net.plainDifference()
            #expect(
                dCost < 1e-12 && dGrad < 1e-12, "\(name): cost differs by \(dCost), gradient by \(dGrad) (relative)")
        }
    }
}

/// Float64 networks, so that the checks can be written once and opened on each concrete type.
protocol DoubleField: NeuralField where Scalar == Double {}
extension FieldMLP: DoubleField where Scalar == Double {}
extension MBINR: DoubleField where Scalar == Double {}

extension DoubleField {
    typealias G = NeuralNuisanceGradientTests

    var samples: (positions: [Point3], frames: [Double]) {
        let x = NeuralTestSupport.positions(4, seed: 13)
        return (x, G.frames(for: self, positions: x, seed: 17))
    }

    func vpError(nuisance: NuisanceModel, gamma: Double, normalised: Bool) -> Double {
        let (x, h) = samples
        let g = NeuralTrainer.nuisanceLossAndGradient(
            self, positions: x, channels: h, nuisance: nuisance, gaugeWeight: gamma,
            normalisePerSample: normalised
        ).gradient
        return G.gradientError(self, gradient: g) {
            G.objective($0, positions: x, frames: h, nuisance: nuisance, gamma: gamma, normalised: normalised)
        }
    }

    func penaltyError(gamma: Double, normalised: Bool) -> Double {
        let (x, h) = samples
        let with = NeuralTrainer.nuisanceLossAndGradient(
            self, positions: x, channels: h, nuisance: .phaseGainAndTiming,
            gaugeWeight: gamma, normalisePerSample: normalised
        ).gradient
        let without = NeuralTrainer.nuisanceLossAndGradient(
            self, positions: x, channels: h, nuisance: .phaseGainAndTiming,
            gaugeWeight: 0, normalisePerSample: normalised
        ).gradient
        return G.gradientError(self, gradient: zip(with, without).map { $0 - $1 }) {
            G.objective(
                $0, positions: x, frames: h, nuisance: .phaseGainAndTiming, gamma: gamma, normalised: normalised,
                vp: false)
        }
    }

    /// Relative differences of cost and gradient between the `.none` variable projection and the plain loss.
    func plainDifference() -> (cost: Double, gradient: Double) {
        let (x, h) = samples
        let vp = NeuralTrainer.nuisanceLossAndGradient(self, positions: x, channels: h, nuisance: .none, weight: 0.25)
        let plain = lossAndGradient(x, targets: h, weight: 0.25)
        let scale = plain.gradient.map(abs).max() ?? 1
        let dg = zip(vp.gradient, plain.gradient).map { abs($0 - $1) }.max() ?? 0
        return (abs(vp.cost - plain.loss) / plain.loss, dg / scale)
    }
}
