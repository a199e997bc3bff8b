import CSIChannel
import CSINumerics

/// Architecture of a model-based implicit neural representation (docs/method.md §4.2): everything needed, with
/// the parameter tensors, to rebuild the network bit-exactly. Codable so a model file can store it.
public struct MBINRConfiguration: Sendable, Codable, Equatable {
    /// Antennas, subcarriers, phase origin and input normalisation.
    public var geometry: NeuralGeometry
    /// D, the number of planar-wave atoms.
    var atomCount: Int
    /// In-plane wavenumber rings as fractions of 2π/λ_r. An elevated base station puts the in-plane
    /// wavenumber of a path at cos(elevation)·2π/λ < 2π/λ, hence the inner rings (docs/method.md §3.1).
    /// Atoms are shared out in proportion to the ring radius (equal arc spacing).
    var rings: [Double]
    /// Hidden widths of the complex amplitude branch MLP_{ℂ,T1} (x → z ∈ ℂ^D).
    var amplitudeWidths: [Int]
    /// Hidden widths of the direction branch MLP_{ℝ,T2} (x → ũ_i(x) projected on the array basis).
    var directionWidths: [Int]
    /// Hidden widths of the delay branch MLP_{ℝ,T3} (x → τ_i(x) = delayScale·raw_i).
    var delayWidths: [Int]
    /// τ scale, seconds (100 ns keeps the raw outputs O(1)).
    var delayScale: Double
    /// Whether the atom wave vectors are trained (tensor `atoms.wavevector`, units of 2π/λ_r).
    var learnableAtoms: Bool
    /// Gate temperature T of softmax_C (|z|/T).
    var gateTemperature: Double
    /// Second-order (wavefront-curvature) antenna term: the direction branch also outputs q_i(x) ≈ 1/d_i(x) and
    /// [Ψ_a]_{j,i} = e^{j k_r (μ_i·t_j − q_i (‖t_j‖² − (μ_i·t_j)²)/2)}. Not in the published architecture; without it
    /// the far-field antenna atoms cap the street scene's LoS at ≈ −19 dB (16 × λ/2 aperture at 15 m).
    var antennaCurvature: Bool
    /// q_i = curvatureScale·raw_i, 1/m (0.1: raw O(1) for paths of ≈ 10 m).
    var curvatureScale: Double

    init(
        geometry: NeuralGeometry, atomCount: Int = 96, rings: [Double] = [1, 0.9, 0.8],
        amplitudeWidths: [Int] = [64, 64], directionWidths: [Int] = [64, 64], delayWidths: [Int] = [64, 64],
        delayScale: Double = 100e-9, learnableAtoms: Bool = false, gateTemperature: Double = 1,
        antennaCurvature: Bool = true, curvatureScale: Double = 0.1
    ) {
        self.geometry = geometry; self.atomCount = atomCount; self.rings = rings
        self.amplitudeWidths = amplitudeWidths; self.directionWidths = directionWidths; self.delayWidths = delayWidths
        self.delayScale = delayScale; self.learnableAtoms = learnableAtoms; self.gateTemperature = gateTemperature
        self.antennaCurvature = antennaCurvature; self.curvatureScale = curvatureScale
    }

    func validate() throws {
        guard atomCount >= rings.count, !rings.isEmpty, rings.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
            throw NeuralModelError.invalidConfiguration(
                "need ≥ 1 ring with radius in (0, 1] and at least one atom per ring")
        }
        guard (2...3).contains(geometry.inputDimensions) else {
            throw NeuralModelError.invalidConfiguration("inputDimensions must be 2 or 3")
        }
        guard !geometry.antennas.isEmpty, !geometry.frequencies.isEmpty, delayScale > 0 else {
            throw NeuralModelError.invalidConfiguration("empty antenna or frequency list, or delayScale ≤ 0")
        }
    }

    /// The atoms' 3-D unit propagation directions: in-plane angle φ on ring r gives
    /// (r cos φ, r sin φ, −√(1 − r²)) — downward, as from an elevated base station. The 2-D model uses the
    /// (x, y) part as its wave vector (units of 2π/λ_r), the 3-D model all three components.
    var atomDirections: [Point3] {
        let total = rings.reduce(0, +)
        var counts = rings.map { max(1, Int((Double(atomCount) * $0 / total).rounded(.down))) }
        var r = 0
        while counts.reduce(0, +) < atomCount { counts[r % counts.count] += 1; r += 1 }
        while counts.reduce(0, +) > atomCount, let i = counts.indices.max(by: { counts[$0] < counts[$1] }) {
            counts[i] -= 1
        }
        var out: [Point3] = []
        for (ri, (ring, n)) in zip(rings, counts).enumerated() {
            let stagger = ri % 2 == 1 ? 0.5 : 0.0
            for i in 0..<n {
                let (s, c) = sinCos(2 * Double.pi * (Double(i) + stagger) / Double(n))
                out.append(Point3(ring * c, ring * s, -(max(0, 1 - ring * ring)).squareRoot()))
            }
        }
        return out
    }
}
