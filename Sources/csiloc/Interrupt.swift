import Foundation
import Synchronization

/// Ctrl-C handling for long jobs: the first SIGINT asks the job to stop at the next safe point (training
/// keeps the best model so far); a second one exits immediately.
enum Interrupt {
    static let requested = Atomic<Int>(0)

    static func install() {
        signal(SIGINT) { _ in
            let previous = Interrupt.requested.add(1, ordering: .relaxed).oldValue
            if previous >= 1 { _exit(130) }
            let msg = "\ninterrupted: finishing the current step and keeping the best result (Ctrl-C again to abort)\n"
            _ = msg.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
    }

    static var isRequested: Bool { requested.load(ordering: .relaxed) > 0 }
}
