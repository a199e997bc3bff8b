/// Why an evaluation could not run: the message names the file or value at fault.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    package let message: String

    init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
