import Dispatch
import Foundation

/// Starts the thread that owns the sockets of a `Proxy`, `Subscriber` or `ZAPHandler` and waits until it is set up.
///
/// `finished` is entered for the thread (`run` leaves it when it ends); the thread is named `name` and runs `run`
/// with a semaphore that it signals once its setup has succeeded or failed. Returns after that signal.
func startOwnedThread(
    name: String, finished: DispatchGroup, run: @escaping @Sendable (_ ready: DispatchSemaphore) -> Void
) {
    let ready = DispatchSemaphore(value: 0)
    finished.enter()
    let thread = Thread { run(ready) }
    thread.name = name
    thread.start()
    ready.wait()
}
