/// One point of an empirical CDF: the share `fraction` of the sample is ≤ `value`.
package struct CDFPoint: Sendable, Equatable {
    package var value: Double
    package var fraction: Double

    package init(value: Double, fraction: Double) {
        self.value = value
        self.fraction = fraction
    }
}
