import CSINumerics
import Foundation
import Testing

@testable import CSIChannel

/// The timing fit of `NuisanceMatch` (max over τ of |S(τ)|², S(τ) = Σ_k e^{jω_k τ} c_k) against direct sums.
@Suite struct NuisanceMatchTests {
    /// A matcher for `ns` subcarriers 1.25 MHz apart around 3.5 GHz, with random correlations c_k loaded.
    static func matcher(subcarriers ns: Int, seed: UInt64) -> NuisanceMatch {
        let freqs = (0..<ns).map { 3.5e9 + 1.25e6 * Double($0) }
        var m = NuisanceMatch(
            frequencies: freqs, antennas: 2, reference: freqs.reduce(0, +) / Double(ns), nuisance: .phaseGainAndTiming)
        var rng = SeededGenerator(seed: seed)
        for k in 0..<ns { m.cRe[k] = rng.nextGaussian(); m.cIm[k] = rng.nextGaussian() }
        return m
    }

    /// |S(τ)|² summed term by term, each phasor from its own sine and cosine.
    static func power(_ m: NuisanceMatch, at tau: Double) -> Double {
        var re = 0.0, im = 0.0
        for k in 0..<m.ns {
            let c = cos(m.omega[k] * tau), s = sin(m.omega[k] * tau)
            re += c * m.cRe[k] - s * m.cIm[k]; im += c * m.cIm[k] + s * m.cRe[k]
        }
        return re * re + im * im
    }

    /// The grid's best delay and power — every grid size, including those that are not a multiple of the vector
    /// width (2N_s delays: 4, 6, 12, 14, 26, 32, 40: one to four vectors per block and a partial block).
    @Test(arguments: [1, 3, 6, 7, 13, 16, 20])
    func gridMaximumIsTheDirectSumsMaximum(subcarriers ns: Int) {
        for seed in 1...5 {
            let m = Self.matcher(subcarriers: ns, seed: UInt64(seed * 100 + ns))
            let direct = m.tauGrid.map { Self.power(m, at: $0) }
            let peak = direct.max()!
            let (power, tau) = m.gridMaximum()
            #expect(abs(power - peak) <= 1e-12 * peak, "N_s \(ns): \(power) vs \(peak)")
            // The delay of the largest power (a different one only on a tie to rounding).
            let index = m.tauGrid.firstIndex(of: tau)!
            #expect(abs(direct[index] - peak) <= 1e-12 * peak)
        }
        // Equal powers everywhere (no correlation): the first grid delay, as a scan in delay order would pick.
        var zero = Self.matcher(subcarriers: ns, seed: 1)
        for k in 0..<ns { zero.cRe[k] = 0; zero.cIm[k] = 0 }
        #expect(zero.gridMaximum().tau == zero.tauGrid[0])
    }

    /// The fitted delay maximises |S(τ)|² over the whole period (a dense scan finds nothing higher — for these
    /// seeds, where the grid's best delay lies in the global maximum's lobe, as it must for Newton to reach it), and
    /// a single delayed path's correlations c_k = A·e^{−jω_k τ₀} give back τ₀.
    @Test(arguments: [3, 16])
    func timingFitFindsTheMaximumOverThePeriod(subcarriers ns: Int) {
        for seed in 1...5 {
            var m = Self.matcher(subcarriers: ns, seed: UInt64(seed))
            let fit = m.timingFit(modelEnergy: 1)
            let period = 1 / 1.25e6
            var scanned = 0.0
            for i in 0..<20_000 { scanned = max(scanned, Self.power(m, at: (Double(i) / 20_000 - 0.5) * period)) }
            let fitted = Self.power(m, at: fit.tau)
            #expect(fitted >= scanned * (1 - 1e-9), "N_s \(ns): \(fitted) at the fit vs \(scanned) scanned")
        }
        var m = Self.matcher(subcarriers: ns, seed: 9)
        let tau0 = 37e-9, amplitude = (re: 0.8, im: -0.3)
        for k in 0..<ns {
            let c = cos(-m.omega[k] * tau0), s = sin(-m.omega[k] * tau0)
            m.cRe[k] = amplitude.re * c - amplitude.im * s; m.cIm[k] = amplitude.re * s + amplitude.im * c
        }
        let fit = m.timingFit(modelEnergy: 1)
        #expect(abs(fit.tau - tau0) < 1e-15, "τ \(fit.tau) vs \(tau0)")
    }
}
