import CSINumerics

/// The SNR a receiver reports with a frame (the wire header's `snr_db`, a dataset's `snr_db` key): what csiloc
/// accepts of it and the noise it implies (docs/localization.md, "Uncertainty and status").
package enum ReportedSNR {
    /// SNRs taken as reports, dB: anything outside (or NaN, the wire's "unknown") counts as not reported. Within
    /// the range a report is trusted only up to the frame's own evidence: the localizer never takes more noise
    /// than twice the frame's own estimate (≈ 1.4× the noise on multipath channels at 20 dB, higher where paths
    /// fill the bins), so a low report cannot silence every flag; a high
    /// one makes correct fixes suspect and costs the stages that suspect fixes run.
    package static let plausible: ClosedRange<Double> = -30...90

    /// `snrDB` when it is a plausible report, else nil.
    package static func accepted(_ snrDB: Double?) -> Double? {
        guard let snrDB, plausible.contains(snrDB) else { return nil }
        return snrDB
    }

    /// The noise's share of a frame's measured energy at `snrDB` (per-location SNR, noise included in the
    /// energy): ‖H‖² = N(σ²·SNR + σ²), so N σ² / ‖H‖² = 1/(10^(SNR/10) + 1).
    package static func noiseShare(snrDB: Double) -> Double { 1 / (fromDecibels(snrDB) + 1) }

    /// What a frame reports after white noise at `addedDB` below its measured energy is added to it
    /// (`Impairments.snrDB`), when it reported `priorDB` before (nil: taken as noise-free, as a dataset without
    /// reports is; NaN: unknown, and it stays unknown). Added noise share a = 10^(−SNR/10) of the energy E:
    /// the total noise (p + a)·E over the energy (1 + a)·E, p = the prior share; then SNR = (1 − share)/share,
    /// rounded to Float32 as a wire header carries it.
    package static func afterAdding(_ addedDB: Double, to priorDB: Double?) -> Double {
        let prior: Double
        if let priorDB {
            guard priorDB.isFinite else { return .nan }
            prior = noiseShare(snrDB: priorDB)
        } else {
            prior = 0
        }
        let a = 1 / fromDecibels(addedDB)
        let share = (prior + a) / (1 + a)
        return Double(Float(decibels((1 - share) / share)))
    }
}
