/// Unknown parameters of measured CSI that every phase-sensitive cost removes in closed form.
public enum NuisanceModel: String, Sendable, Codable, CaseIterable {
    /// The model's channel is compared as is.
    case none
    /// An unknown complex gain (common phase and gain).
    case phaseAndGain = "phase-gain"
    /// An unknown complex gain and an unknown timing offset (linear phase across subcarriers).
    case phaseGainAndTiming = "phase-gain-timing"
}
