import CSIChannel
import CSINumerics
import Foundation

/// What a model's quality map is made of, measured on samples with known positions (the validation split at
/// training, a test set in `csiloc eval --map`): per sample, the NMSE of the model there, after the sample's own
/// nuisance when the model has one (docs/model.md, "Quality map").
enum QualityMeasurement {
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
