import Foundation

/// Runs blocking work (ZeroMQ receive loops, paced sends, file I/O) on a thread of its own, so that async
/// callers never block a thread of Swift's small cooperative pool.
///
/// ```swift
/// let summary = try await DedicatedThread.run(name: "csiloc-replay") {
///     try CaptureReplayer(configuration: config, context: context).run()
/// }
/// ```
public enum DedicatedThread {
    /// Starts `body` on a new `Foundation.Thread` and suspends (without blocking) until it returns.
    public static func run<T: Sendable>(
        name: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }
}
