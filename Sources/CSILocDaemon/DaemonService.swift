import Foundation
import ServiceLifecycle
import UnixSignals

/// The daemon as a lifecycle service: reloads on every SIGHUP until graceful shutdown (SIGTERM/SIGINT),
/// then drains the pipeline (on its own thread) before returning, so the process exits only after every
/// accepted frame's fix is published.
struct DaemonService: Service {
    let daemon: Daemon

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            await daemon.reload()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread { [daemon] in
                nameCurrentThread("csilocd-drain")
                daemon.stop()
                continuation.resume()
            }
            thread.name = "csilocd-drain"
            thread.start()
        }
    }
}
