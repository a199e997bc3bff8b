package import CSIChannel
import CSINumerics
import Foundation

/// What a model's quality map is made of, measured on samples with known positions (the validation split at
/// training, a test set in `csiloc eval --map`): per sample, the NMSE of the model there, after the sample's own
/// nuisance when the model has one (docs/model.md, "Quality map").
package enum QualityMeasurement {
    /// Per-sample NMSE ‖H − f(x)‖²/‖H‖² (after the sample's own nuisance; NaN for an all-zero channel).
    /// `reference` holds the measured channels in the model's output units (2·Na·Ns Doubles per sample).
    static func ratios(
        model: some ChannelModel, positions: [Point3], reference: [Double], nuisance: NuisanceModel,
        width: Int = Parallel.defaultWidth
    ) -> [Double] {
        let (e, n) = reference.withUnsafeBufferPointer {
            ChannelError.perLocation(model, positions: positions, reference: $0, nuisance: nuisance, width: width)
        }
        return zip(e, n).map { $1 > 0 ? $0 / $1 : Double.nan }
    }

    /// The model's own error in each ratio ‖H − f(x)‖²/‖H‖²: where the sample's receiver reported its SNR s, the
    /// noise's expected share of the ratio, (1 − d/2N)/(10^(s/10) + 1) (d real nuisance unknowns fitted away, N
    /// complex entries), is removed, and the result floored at that share's own fluctuation (1/√N of it): below it
    /// the survey cannot tell the model's error from its noise. Ratios of samples without a plausible report
    /// (`ReportedSNR.plausible`) are kept as measured. A map built from noisy validation frames would otherwise
    /// count the survey's noise as model error, and the fix status would allow it on top of the frame's own noise
    /// (docs/model.md, "Quality map").
    package static func netOfNoise(
        _ ratios: [Double], reportedSNRdB: [Double]?, entries: Int, nuisance: NuisanceModel
    )
        -> [Double]
    {
        guard let reported = reportedSNRdB, reported.count == ratios.count, entries > 0 else { return ratios }
        let n = Double(entries)
        let kept = 1 - Double(NuisanceMatch.degrees(nuisance)) / (2 * n)
        return zip(ratios, reported).map { r, snr in
            guard let snr = ReportedSNR.accepted(snr), r.isFinite else { return r }
            let share = kept * ReportedSNR.noiseShare(snrDB: snr)
            return max(r - share, share / n.squareRoot())
        }
    }

    /// Whether each fix is a gross error: more than λ₀/2 from its truth (horizontally when `flat`), λ₀ the
    /// wavelength at the mean of `frequencies` — the localization reports' convention.
    static func grossErrors(fixes: [Point3], truth: [Point3], frequencies: [Double], flat: Bool) -> [Bool] {
        let lambda = speedOfLight / (frequencies.reduce(0, +) / Double(max(1, frequencies.count)))
        return zip(fixes, truth).map { f, t in
            var d = f - t
            if flat { d.z = 0 }
            return !(d.length <= lambda / 2)
        }
    }
}
