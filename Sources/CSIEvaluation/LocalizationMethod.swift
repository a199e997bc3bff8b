public import CSISearch

/// A method the localization commands compare: a named search variant or the 3-NN fingerprint baseline.
public enum LocalizationMethod: Sendable, Equatable {
    case search(SearchMethod)
    /// 3-NN over a fingerprint set (`3nn`).
    case nearestNeighbours

    /// Parses `3nn` or a search method name (`default` is `robust`).
    public init?(name: String) {
        if name == "3nn" { self = .nearestNeighbours; return }
        guard let m = SearchMethod(name: name) else { return nil }
        self = .search(m)
    }

    /// Every accepted name, for help and error messages.
    static var names: String { SearchMethod.allCases.map(\.rawValue).joined(separator: ", ") + ", default, 3nn" }
}
