import CSIChannel
import Foundation

extension ModelLoader {
    /// Model kinds with a neural part.
    static var extraKindNames: [String] { ["hybrid", "inr", "mlp", "rff"] }

    /// Rebuilds a network (architecture from the header, parameters from the `neural.*` tensors) and, for a
    /// hybrid, puts it on top of the physics model.
    static func extraKinds(_ file: ModelFile, _ path: String) throws -> (any ChannelModel)? {
        let kind = file.header.kind
        guard extraKindNames.contains(kind) else { return nil }
        guard let json = file.header.neural?["architecture"] else {
            throw ModelFileError(file: path, "a '\(kind)' model needs header.neural.architecture")
        }
        let architecture: NeuralArchitecture
        do { architecture = try JSONDecoder().decode(NeuralArchitecture.self, from: Data(json.utf8)) } catch {
            throw ModelFileError(file: path, "unreadable network architecture: \(error)")
        }
        let tensors = file.tensors.filter { $0.name.hasPrefix("neural.") }.map {
            NamedTensor(name: String($0.name.dropFirst("neural.".count)), shape: $0.shape, values: $0.floats)
        }
        let network: any NeuralField
        do { network = try architecture.makeNetwork(tensors: tensors) } catch {
            throw ModelFileError(file: path, "network parameters do not match the architecture: \(error)")
        }
        let base: (any ChannelModel)? = kind == "hybrid" ? try ImageSourceModel(file: file, path: path) : nil
        return makeChannelModel(network: network, scale: file.header.scale, base: base)
    }
}
