/// The OFDM subcarrier frequencies at which the channel is measured.
public struct SubcarrierPlan: Sendable, Equatable {
    /// Subcarrier frequencies, Hz, in CSI column order.
    public let frequencies: [Double]
    /// The reference (carrier) frequency, Hz: the centre of the band.
    public let carrier: Double

    /// `count` subcarriers spread evenly over `bandwidth` around `carrier`:
    /// f_k = carrier + (k − (count−1)/2)·Δf with Δf = bandwidth / count.
    public init(carrier: Double, bandwidth: Double, count: Int) {
        let df = bandwidth / Double(count)
        self.frequencies = (0..<count).map { carrier + (Double($0) - Double(count - 1) / 2) * df }
        self.carrier = carrier
    }

    /// An explicit list of frequencies; `carrier` defaults to the mean of the list.
    public init(frequencies: [Double], carrier: Double? = nil) {
        self.frequencies = frequencies
        self.carrier = carrier ?? (frequencies.isEmpty ? 0 : frequencies.reduce(0, +) / Double(frequencies.count))
    }

    /// The same band (same first-to-last span scaled to keep Δf = bandwidth / count) with another count.
    /// Explicit non-uniform lists keep their span and become uniform.
    func resampled(count: Int) -> SubcarrierPlan {
        guard count != frequencies.count else { return self }
        let n = Double(frequencies.count)
        let span = (frequencies.max() ?? carrier) - (frequencies.min() ?? carrier)
        let bandwidth = frequencies.count > 1 ? span * n / (n - 1) : 0
        return SubcarrierPlan(carrier: carrier, bandwidth: bandwidth, count: count)
    }

    /// Number of subcarriers (N_s).
    public var count: Int { frequencies.count }

    /// Carrier wavelength λ₀ = c / f₀, metres.
    public var wavelength: Double { speedOfLight / carrier }

    /// The common spacing when the frequencies are evenly spaced (to 1e-9 relative), else nil.
    /// Evenly spaced plans let the simulator step phases by rotation instead of calling sin/cos.
    public var uniformSpacing: Double? { uniformSpacing(relativeTolerance: 1e-9) }

    /// The common spacing when every frequency is within `relativeTolerance` × max(|f₀|, 1) of f₀ + kΔf, else nil.
    public func uniformSpacing(relativeTolerance: Double) -> Double? {
        guard frequencies.count >= 2 else { return frequencies.count == 1 ? 0 : nil }
        let df = frequencies[1] - frequencies[0]
        let tolerance = relativeTolerance * max(abs(frequencies[0]), 1)
        for k in 1..<frequencies.count where abs(frequencies[k] - frequencies[0] - Double(k) * df) > tolerance {
            return nil
        }
        return df
    }
}
