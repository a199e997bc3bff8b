/// Why an evaluation could not run: the message names the file or value at fault.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
