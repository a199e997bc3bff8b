/// How fast `csiloc replay` re-publishes a capture: a multiple of the recorded pace, or as fast as the
/// socket accepts messages.
public enum ReplaySpeed: Sendable, Hashable, CustomStringConvertible {
    /// The recorded inter-arrival times divided by this factor (1 = real time, 10 = ten times faster).
    case factor(Double)
    /// No pacing: every record is sent as soon as the previous one was.
    case maximum

    /// Real time.
    public static let realTime = ReplaySpeed.factor(1)

    /// Parses `max` (also `maximum`, `inf`) or a positive finite factor such as `1`, `2.5` or `10x`.
    public init?(argument: String) {
        let text = argument.lowercased()
        if ["max", "maximum", "inf", "infinity"].contains(text) {
            self = .maximum
            return
        }
        let number = text.hasSuffix("x") ? String(text.dropLast()) : text
        guard let factor = Double(number), factor.isFinite, factor > 0 else { return nil }
        self = .factor(factor)
    }

    /// `max`, or the factor, e.g. `2x`.
    public var description: String {
        switch self {
        case .maximum: "max"
        case .factor(let factor): factor == factor.rounded() && factor < 1e15 ? "\(Int64(factor))x" : "\(factor)x"
        }
    }
}
