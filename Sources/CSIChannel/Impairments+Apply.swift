public import CSINumerics

extension Impairments {
    /// Applies the impairments to one channel matrix in place (interleaved, antenna-major, N_a × N_s):
    /// a random gain, a random common phase, a random timing offset (phase slope across subcarriers,
    /// relative to `carrier`), the drifts of frame number `frame`, then complex AWGN at the configured SNR
    /// relative to the impaired channel. Draws only from `rng`, so the result depends on the generator's seed
    /// and stream (and `frame`) alone.
    public func apply(
        to h: UnsafeMutableBufferPointer<Float>, antennas na: Int, frequencies: [Double],
        carrier: Double, frame: Int = 0, rng: inout SeededGenerator
    ) {
        let ns = frequencies.count
        precondition(h.count == 2 * na * ns, "channel buffer has the wrong size")
        guard isActive else { return }
        var gain = 1.0
        if gainStdDB != 0 { gain = fromDecibels(rng.nextGaussian() * gainStdDB / 2) } // amplitude: dB/20
        var commonPhase = 0.0
        if randomCommonPhase { commonPhase = 2 * Double.pi * rng.nextUnit() }
        var tau = 0.0
        if maxTimingOffset != 0 { tau = (2 * rng.nextUnit() - 1) * maxTimingOffset }
        commonPhase += Double(frame) * phaseDriftPerFrame
        tau += Double(frame) * timingDriftPerFrame
        if gain != 1 || commonPhase != 0 || tau != 0 {
            for k in 0..<ns {
                let phi = commonPhase - 2 * Double.pi * (frequencies[k] - carrier) * tau
                let (sn, cs) = sinCos(phi)
                let cr = gain * cs, ci = gain * sn
                for j in 0..<na {
                    let idx = 2 * (j * ns + k)
                    let re = Double(h[idx]), im = Double(h[idx + 1])
                    h[idx] = Float(re * cr - im * ci)
                    h[idx + 1] = Float(re * ci + im * cr)
                }
            }
        }
        if let snr = snrDB {
            var power = 0.0
            for v in h { power += Double(v) * Double(v) }
            let sigma2 = power / (Double(na * ns) * fromDecibels(snr))
            let perComponent = (sigma2 / 2).squareRoot()
            for i in 0..<h.count { h[i] += Float(rng.nextGaussian() * perComponent) }
        }
    }
}

extension Impairments {
    /// The per-frame nuisance these impairments put into simulated frames, as `csiloc simulate` declares it in
    /// the dataset (docs/datasets.md, key `nuisance`); nil when they leave the frames coherent (none, or noise
    /// only), so that the key is absent and training detects.
    ///
    /// A random common phase, a gain spread or a phase drift (constant within a frame: a common phase) →
    /// `phase-gain`; a timing offset or a timing drift (a phase slope across subcarriers) → `phase-gain-timing`.
    public var declaredNuisance: NuisanceModel? {
        if maxTimingOffset != 0 || timingDriftPerFrame != 0 { return .phaseGainAndTiming }
        if randomCommonPhase || gainStdDB != 0 || phaseDriftPerFrame != 0 { return .phaseAndGain }
        return nil
    }
}
