import Synchronization

/// A flag another thread (e.g. a SIGINT handler) sets to stop training between steps; the best parameters
/// found so far are kept.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    init() {}
    func cancel() { flag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
