public import CSIChannel
import CSINumerics

/// The physical frame a network lives in: the antennas and subcarriers it outputs, the reference frequency of
/// its closed-form atoms, the survey-area centre used as the phase origin, and the input normalisation.
///
/// Phases are always evaluated on coordinates relative to `origin` (the survey-area centre), in Float64:
/// k·x reaches 10³ rad over 10 m, and relative to a far origin Float32 would lose the wavelength.
public struct NeuralGeometry: Sendable, Codable, Equatable {
    /// Antenna positions of the output rows (N_a), scene frame.
    public var antennas: [Point3]
    /// Subcarrier frequencies of the output columns (N_s), Hz.
    public var frequencies: [Double]
    /// f_r of the atoms (the carrier), Hz.
    var referenceFrequency: Double
    /// Phase origin and input centre: the centre of the training area.
    var origin: Point3
    /// Half the extent of the training area per axis; MLP inputs are (x − origin)/halfExtent ∈ [−1, 1].
    var halfExtent: Point3
    /// 2: the network sees (x, y) only (a UE plane at one height; ∂H/∂z = 0); 3: (x, y, z).
    var inputDimensions: Int
    /// The array reference point a_{1,r} of the antenna atoms (centre of the training antennas).
    var arrayReference: Point3
    /// Orthonormal basis of the span of the training antenna offsets (1 vector for a ULA, 2 for a UPA).
    var arrayBasis: [Point3]

    /// A geometry for `data`: origin and extent from the positions' bounding box; 2-D input when every
    /// position has the same height (unless `inputDimensions` says otherwise).
    init(data: TrainingData, inputDimensions: Int? = nil) {
        self.init(
            antennas: data.antennas, frequencies: data.frequencies, referenceFrequency: data.carrier,
            positions: data.positions, inputDimensions: inputDimensions)
    }

    init(
        antennas: [Point3], frequencies: [Double], referenceFrequency: Double, positions: [Point3],
        inputDimensions: Int? = nil
    ) {
        var lo = Point3(repeating: .infinity), hi = Point3(repeating: -.infinity)
        for p in positions { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        if positions.isEmpty { lo = .zero; hi = .zero }
        let flat = hi.z - lo.z < 1e-9
        self.antennas = antennas
        self.frequencies = frequencies
        self.referenceFrequency = referenceFrequency
        self.origin = (lo + hi) / 2
        var half = (hi - lo) / 2
        for c in 0..<3 where half[c] < 1e-6 { half[c] = 1 }
        self.halfExtent = half
        self.inputDimensions = inputDimensions ?? (flat ? 2 : 3)
        let centre = antennas.reduce(Point3.zero, +) / Double(max(1, antennas.count))
        self.arrayReference = centre
        self.arrayBasis = Self.basis(of: antennas.map { $0 - centre })
    }

    /// Carrier wavenumber k_r = 2π f_r / c (rad/m).
    var wavenumber: Double { 2 * Double.pi * referenceFrequency / speedOfLight }
    /// Carrier wavelength λ_r (m).
    public var wavelength: Double { speedOfLight / referenceFrequency }

    /// Gram–Schmidt basis of the offsets' span (vectors shorter than 1e-9 of the largest are dependent).
    static func basis(of offsets: [Point3]) -> [Point3] {
        let scale = offsets.map(\.length).max() ?? 0
        guard scale > 0 else { return [Point3(1, 0, 0)] }
        var basis: [Point3] = []
        for v in offsets {
            var r = v
            for e in basis { r -= e * e.dot(r) }
            if r.length > 1e-6 * scale { basis.append(r.normalized) }
            if basis.count == 3 { break }
        }
        return basis
    }

    /// (x − origin)/halfExtent for the first `inputDimensions` axes, row-major batch × d.
    func normalisedInputs<T: NeuralScalar>(_ positions: UnsafeBufferPointer<Point3>) -> [T] {
        let d = inputDimensions
        var out = [T](repeating: 0, count: positions.count * d)
        for (b, x) in positions.enumerated() {
            let u = (x - origin) / halfExtent
            for c in 0..<d { out[b * d + c] = T(u[c]) }
        }
        return out
    }

    /// Input tangents for ∂/∂x_c, c < d: direction c of the stacked block is e_c / halfExtent_c for every sample.
    func inputTangents<T: NeuralScalar>(batch: Int) -> [T] {
        let d = inputDimensions
        var t = [T](repeating: 0, count: d * batch * d)
        for c in 0..<d { for b in 0..<batch { t[(c * batch + b) * d + c] = T(1 / halfExtent[c]) } }
        return t
    }
}

/// The antenna offsets and frequency offsets an output head is evaluated at: the training ones, or any
/// others (antenna / subcarrier extrapolation).
struct HeadGeometry: Sendable {
    /// Antenna offsets projected on the array basis, N_a × P row-major.
    let offsets: [Double]
    let antennaCount: Int
    let rank: Int
    /// ‖t_j‖² per antenna.
    let offsetNorms: [Double]
    /// f_k − f_r, Hz.
    let frequencyOffsets: [Double]

    init(geometry g: NeuralGeometry, antennas: [Point3]? = nil, frequencies: [Double]? = nil) {
        let ants = antennas ?? g.antennas, freqs = frequencies ?? g.frequencies
        let rank = g.arrayBasis.count
        self.rank = rank
        antennaCount = ants.count
        var o: [Double] = []
        for a in ants { for e in g.arrayBasis { o.append((a - g.arrayReference).dot(e)) } }
        offsets = o
        offsetNorms = (0..<ants.count).map { j in (0..<rank).reduce(0.0) { $0 + o[j * rank + $1] * o[j * rank + $1] } }
        frequencyOffsets = freqs.map { $0 - g.referenceFrequency }
    }

    var subcarrierCount: Int { frequencyOffsets.count }
}
