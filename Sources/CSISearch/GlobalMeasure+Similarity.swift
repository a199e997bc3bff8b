extension GlobalMeasure {
    /// Similarity of two channels (interleaved, antenna-major) under this measure, higher is better:
    /// PS −‖a − b‖², PI |⟨a,b⟩|/(‖a‖‖b‖), angle–delay the cosine of the angle–delay magnitudes.
    /// The reference used by tests and diagnostics; the search scores the cached Float16 features instead.
    func similarity(_ a: [Double], _ b: [Double], antennas: Int, subcarriers: Int) -> Double {
        precondition(a.count == 2 * antennas * subcarriers && b.count == a.count, "channel sizes do not match")
        switch self {
        case .phaseSensitive:
            return -zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        case .phaseInsensitive:
            var re = 0.0, im = 0.0, ea = 0.0, eb = 0.0
            for i in Swift.stride(from: 0, to: a.count, by: 2) {
                re += a[i] * b[i] + a[i + 1] * b[i + 1]; im += a[i] * b[i + 1] - a[i + 1] * b[i]
                ea += a[i] * a[i] + a[i + 1] * a[i + 1]; eb += b[i] * b[i] + b[i + 1] * b[i + 1]
            }
            return (re * re + im * im).squareRoot() / max((ea * eb).squareRoot(), .leastNormalMagnitude)
        case .angleDelay:
            let t = AngleDelayTransform(antennas: antennas, subcarriers: subcarriers)
            var w = AngleDelayTransform.Workspace(t)
            var fa = [Float](repeating: 0, count: t.featureCount), fb = fa
            a.withUnsafeBufferPointer { p in
                fa.withUnsafeMutableBufferPointer {
                    t.image(of: p.baseAddress!, into: $0.baseAddress!, workspace: &w)
                }
            }
            b.withUnsafeBufferPointer { p in
                fb.withUnsafeMutableBufferPointer {
                    t.image(of: p.baseAddress!, into: $0.baseAddress!, workspace: &w)
                }
            }
            return zip(fa, fb).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
    }
}
