/// Named network sizes.
///
/// * `small`: tests and CI demos — D = 96 atoms on 3 rings, 2 hidden layers of 64 per branch (≈ 30 k parameters).
/// * `reference`: docs/method.md §4.4 scaled to what trains in ≤ 10 min on 2 cores at N_a = N_s = 16 with 15 000
///   samples: D = 256 on rings {1, 0.9, 0.8, 0.7}, 2 hidden layers of 256 per branch (≈ 0.5 M parameters).
///   The paper-sized D = T = 1024 (9 M parameters) costs ~16× more per sample; at 1.1 samples/λ² the extra
///   capacity only memorises (docs/method.md §16.1), so it is not the default.
public enum NeuralPreset: String, Sendable, CaseIterable {
    case small, reference

    /// The MB-INR architecture of this preset for `geometry`.
    public func mbinr(geometry: NeuralGeometry) -> MBINRConfiguration {
        switch self {
        case .small:
            return MBINRConfiguration(
                geometry: geometry, atomCount: 96, rings: [1, 0.9, 0.8],
                amplitudeWidths: [64, 64], directionWidths: [64, 64], delayWidths: [64, 64])
        case .reference:
            return MBINRConfiguration(
                geometry: geometry, atomCount: 256, rings: [1, 0.9, 0.8, 0.7],
                amplitudeWidths: [256, 256], directionWidths: [256, 256], delayWidths: [256, 256])
        }
    }

    /// The plain-MLP baseline (docs/method.md §6): 3 hidden layers.
    func mlp(geometry: NeuralGeometry) -> FieldMLPConfiguration {
        FieldMLPConfiguration(
            geometry: geometry, encoding: .coordinates,
            hiddenWidths: self == .small ? [128, 128, 128] : [512, 512, 512])
    }

    /// The RFF baseline: Gaussian features with σ = 2π/λ (docs/method.md §6.1).
    package func rff(geometry: NeuralGeometry, seed: UInt64 = 1) -> FieldMLPConfiguration {
        FieldMLPConfiguration(
            geometry: geometry,
            encoding: .randomFourier(
                features: self == .small ? 128 : 512, sigma: 2 * .pi / geometry.wavelength, seed: seed),
            hiddenWidths: self == .small ? [128, 128] : [512, 512])
    }

    /// Training options of this preset (the reference one within 10 minutes).
    public var trainingOptions: TrainingOptions {
        var o = TrainingOptions()
        switch self {
        case .small: o.epochs = 100; o.batchSize = 256
        case .reference: o.epochs = 300; o.minutes = 10
        }
        return o
    }
}
