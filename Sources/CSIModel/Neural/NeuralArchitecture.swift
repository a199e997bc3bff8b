import CSIChannel

/// Which network a model file holds, with its full configuration (Codable: store it as JSON next to the
/// tensors). `NeuralArchitecture` + `[NamedTensor]` rebuild a network bit-exactly with `makeNetwork`.
public enum NeuralArchitecture: Sendable, Codable, Equatable {
    case mbinr(MBINRConfiguration)
    case fieldMLP(FieldMLPConfiguration)

    /// Rebuilds the Float network from stored tensors.
    func makeNetwork(tensors: [NamedTensor]) throws -> any NeuralField {
        switch self {
        case .mbinr(let c): return try MBINR<Float>(configuration: c, tensors: tensors)
        case .fieldMLP(let c): return try FieldMLP<Float>(configuration: c, tensors: tensors)
        }
    }

    /// A freshly initialised Float network.
    func makeNetwork(seed: UInt64) throws -> any NeuralField {
        switch self {
        case .mbinr(let c): return try MBINR<Float>(configuration: c, seed: seed)
        case .fieldMLP(let c): return try FieldMLP<Float>(configuration: c, seed: seed)
        }
    }

    /// Antennas, subcarriers, phase origin and input normalisation of the network.
    public var geometry: NeuralGeometry {
        switch self {
        case .mbinr(let c): return c.geometry
        case .fieldMLP(let c): return c.geometry
        }
    }
}
