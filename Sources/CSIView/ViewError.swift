/// A bad viewer input (address, region, URL) or a failure to start; the message names the input.
public struct ViewError: Error, Sendable, Equatable, CustomStringConvertible {
    let message: String
    /// The message.
    public var description: String { message }

    init(_ message: String) { self.message = message }
}
