/// One point of an empirical CDF: the share `fraction` of the sample is ≤ `value`.
public struct CDFPoint: Sendable, Equatable {
    public var value: Double
    public var fraction: Double

    public init(value: Double, fraction: Double) {
        self.value = value
        self.fraction = fraction
    }
}
