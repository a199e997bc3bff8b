/// Unknown parameters of measured CSI that every phase-sensitive cost removes in closed form.
public enum NuisanceModel: String, Sendable, Codable, CaseIterable {
    /// The model's channel is compared as is.
    case none
    /// An unknown complex gain (common phase and gain).
    case phaseAndGain = "phase-gain"
    /// An unknown complex gain and an unknown timing offset (linear phase across subcarriers).
    case phaseGainAndTiming = "phase-gain-timing"
}

extension NuisanceModel {
    /// The names a dataset's `nuisance` key accepts (docs/datasets.md), in order of increasing unknowns.
    ///
    /// `phase` (a random common phase, a calibrated gain) is read as ``phaseAndGain``: the free gain costs one extra
    /// real unknown per frame of N_a·N_s complex values, and keeps AGC-style gain changes harmless.
    static let declarableNames = ["none", "phase", "phase-gain", "phase-gain-timing"]

    /// The nuisance a dataset declares by `name` (one of ``declarableNames``), nil for anything else.
    public init?(declaredName name: String) {
        if name == "phase" { self = .phaseAndGain } else { self.init(rawValue: name) }
    }

    /// Whether frames with this nuisance carry unknowns that `other` does not remove (e.g. a timing offset
    /// against `phase-gain`).
    public func exceeds(_ other: NuisanceModel) -> Bool { rank > other.rank }

    private var rank: Int {
        switch self {
        case .none: 0
        case .phaseAndGain: 1
        case .phaseGainAndTiming: 2
        }
    }
}
