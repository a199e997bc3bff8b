/// Why training ended.
public enum TrainingStop: String, Sendable {
    case epochs, timeBudget, earlyStopping, cancelled, diverged
}

/// The outcome of a training run. The network passed in holds the best-validation parameters.
public struct TrainingReport: Sendable {
    /// Why training ended.
    public var stop: TrainingStop
    var epochsRun: Int
    var bestEpoch: Int
    /// Wall-clock training time, seconds.
    public var seconds: Double
    /// At the best-validation epoch (the parameters kept).
    var trainNMSE: NMSE
    var validationNMSE: NMSE
    /// At the last validation (memorisation shows here: train keeps improving while validation does not).
    var lastTrainNMSE: NMSE? = nil
    var lastValidationNMSE: NMSE? = nil
    /// Training samples per λ² of the positions' x–y bounding box (the Landau density for |k| ≤ 2π/λ is π ≈ 3.1).
    var samplesPerSquareWavelength: Double
    /// With a nuisance (`TrainingOptions.nuisance`): Σ‖Ĥ‖²/Σ‖H‖² over the train-metric subset at the kept
    /// parameters — the gain the network ended in, which the variable-projection cost does not see. Dividing the
    /// outputs by its square root (multiplying `NeuralChannelModel`'s `scale` by it) makes the model's mean energy
    /// the survey's and changes no nuisance-invariant figure. nil without a nuisance.
    var outputEnergyRatio: Double? = nil
    /// validation − train, dB (per-location mean), the larger of the best-epoch and last-validation gaps.
    var generalisationGap: Double {
        let best = validationNMSE.meanDB - trainNMSE.meanDB
        guard let lt = lastTrainNMSE, let lv = lastValidationNMSE else { return best }
        return max(best, lv.meanDB - lt.meanDB)
    }
    /// Set when the train NMSE is more than 10 dB better than validation (at the best epoch or at the end):
    /// the network memorises the training points (too few samples per λ², docs/method.md §16.1), it is not an
    /// optimiser problem.
    var memorisationWarning: String? {
        var t = trainNMSE, v = validationNMSE
        if let lt = lastTrainNMSE, let lv = lastValidationNMSE, lv.meanDB - lt.meanDB > v.meanDB - t.meanDB {
            t = lt; v = lv
        }
        let gap = v.meanDB - t.meanDB
        guard gap > 10 else { return nil }
        return
            "memorisation: train \(fixed(t.meanDB)) dB vs validation \(fixed(v.meanDB)) dB (gap \(fixed(gap)) dB) at "
            + "\(fixed(samplesPerSquareWavelength, 2)) samples/λ²; a generic network needs ≳ 4–8 samples/λ² (docs/method.md §16.1) "
            + "— densify the survey, or train on the physics fit's residual"
    }
}

/// `x` rounded to `digits` decimals, as text (no Foundation formatting in this module).
func fixed(_ x: Double, _ digits: Int = 1) -> String {
    guard x.isFinite else { return "\(x)" }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (abs(x) * p).rounded()
    let whole = Int(r / p), frac = Int(r - Double(whole) * p)
    var f = String(frac)
    while f.count < digits { f = "0" + f }
    return (x < 0 && r > 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
}
