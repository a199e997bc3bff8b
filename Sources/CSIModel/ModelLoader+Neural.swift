import CSIChannel

extension ModelLoader {
    /// Model kinds with a neural part (filled in as they land).
    static var extraKindNames: [String] { [] }

    static func extraKinds(_ file: ModelFile, _ path: String) throws -> (any ChannelModel)? { nil }
}
