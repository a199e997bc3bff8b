public import CSINumerics
public import Numerics

/// The scalar type of a network: Float for training and inference, Double for gradient checks and for
/// evaluation where rounding matters. Every layer is generic over it, so the Double instantiation used by
/// the finite-difference tests runs exactly the same code as the Float one used in training.
public protocol NeuralScalar: GEMMScalar, Real, Codable, SIMDScalar {}

extension Float: NeuralScalar {}
extension Double: NeuralScalar {}

/// A named parameter tensor as stored in model files: row-major values of `shape`.
struct NamedTensor: Sendable, Equatable, Codable {
    var name: String
    var shape: [Int]
    var values: [Float]

    init(name: String, shape: [Int], values: [Float]) {
        self.name = name; self.shape = shape; self.values = values
    }
}

/// Errors raised when a network is rebuilt from stored tensors.
public enum NeuralModelError: Error, CustomStringConvertible, Sendable {
    case missingTensor(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case invalidConfiguration(String)

    /// One line naming the reason.
    public var description: String {
        switch self {
        case .missingTensor(let n): return "model file lacks the parameter tensor '\(n)'"
        case .shapeMismatch(let n, let e, let f):
            return "parameter tensor '\(n)' has shape \(f), the architecture needs \(e)"
        case .invalidConfiguration(let m): return "invalid network configuration: \(m)"
        }
    }
}
