import CSICapture
import Foundation
import Synchronization

/// SIGINT/SIGTERM handling for the capture commands (`record`, `replay`): the first signal requests a clean
/// stop through ``stop`` (the loop closes and fsyncs its file, prints its counts and exits normally);
/// a second SIGINT exits at once with status 130.
enum TerminationSignals {
    /// The flag the capture loops watch.
    static let stop = StopFlag()
    private static let count = Atomic<Int>(0)

    /// Installs the handlers (idempotent).
    static func install() {
        _ = stop.isRequested // initialise the global before a handler can touch it
        let handler: @convention(c) (Int32) -> Void = { signo in
            let previous = TerminationSignals.count.add(1, ordering: .relaxed).oldValue
            if previous >= 1 && signo == SIGINT { _exit(130) }
            TerminationSignals.stop.request()
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}
