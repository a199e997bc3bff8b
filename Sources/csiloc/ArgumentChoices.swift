public import ArgumentParser
import CSICapture
import CSIChannel
public import CSIEvaluation
import CSIModel
public import CSISearch
import Foundation

// The enumerated options' values are the libraries' own enums, one per concept (the daemon's `search.method` is
// the same `SearchMethod`); here ArgumentParser learns their spellings. An unknown value then fails while parsing,
// naming the option and listing the choices ("Please provide one of …"), and `--help` shows them.

extension SearchMethod: ExpressibleByArgument {
    /// A method name; `default` is an alias of `robust`, as in the daemon's `search.method` (docs/daemon.md).
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) + ["default"] }
}

extension LocalizationMethod: ExpressibleByArgument {
    /// A search method name (`default` is `robust`) or `3nn`.
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { SearchMethod.allValueStrings + ["3nn"] }
}

extension ModelTrainer.Kind: ExpressibleByArgument {}
extension ModelTrainer.INRStart: ExpressibleByArgument {}
extension NeuralPreset: ExpressibleByArgument {}
extension NeuralBenchmarks.ModelKind: ExpressibleByArgument {}
extension NeuralBenchmarks.Start: ExpressibleByArgument {}
extension DatasetImporter.SampleEncoding: ExpressibleByArgument {}
extension Trajectory.Kind: ExpressibleByArgument {}

/// `init?(argument:)` is the library's: `max` or a positive factor (`1`, `2.5`, `10x`).
extension ReplaySpeed: ExpressibleByArgument {}

/// `--phase-offset` of `csiloc import`: the common phase the imported frames carry.
enum PhaseOffsetOption: String, ExpressibleByArgument, CaseIterable {
    /// The dataset's phases unchanged.
    case none
    /// A uniformly random common phase per frame.
    case random
}

/// A comma-separated list of localization methods (`robust,offgrid-pi,3nn`), for `bench localize --methods`.
struct LocalizationMethodList: ExpressibleByArgument {
    var methods: [LocalizationMethod]
    /// The spelling it was given (or the default's), for `defaultValueDescription`.
    var text: String

    init?(argument: String) {
        let names = argument.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let parsed = names.compactMap(LocalizationMethod.init(argument:))
        guard !names.isEmpty, parsed.count == names.count else { return nil }
        methods = parsed
        text = argument
    }

    static var allValueStrings: [String] { LocalizationMethod.allValueStrings }
    var defaultValueDescription: String { text }
}
