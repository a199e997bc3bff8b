import Foundation
import Synchronization
import ZMQ

/// Runs blocking test code on a dedicated thread so no test ever blocks the
/// (2-thread) cooperative pool.
func onThread<T: Sendable>(
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// A fresh `ipc://` endpoint under /tmp; parallel tests never collide.
func uniqueIPCEndpoint(_ tag: String) -> String {
    "ipc:///tmp/zmqtest-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8)).ipc"
}

/// libzmq (4.3) never unlinks an ipc socket file, not even on unbind: tests
/// that bind one remove it themselves.
func removeIPCFile(_ endpoint: String) {
    guard endpoint.hasPrefix("ipc://") else { return }
    try? FileManager.default.removeItem(atPath: String(endpoint.dropFirst("ipc://".count)))
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func waitUntil(timeout: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.002)
    }
    return condition()
}

/// Runs `body` on a throwaway thread and reports whether it finished within
/// `timeout`; used to assert that teardown calls do not hang.
func finishes(within timeout: Duration, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread {
        body(); done.signal()
    }.start()
    let (s, atto) = timeout.components
    return done.wait(timeout: .now() + .nanoseconds(Int(s * 1_000_000_000 + atto / 1_000_000_000))) == .success
}

/// The kernel thread id of the caller, from /proc/thread-self -> "<pid>/task/<tid>".
func currentKernelThreadID() -> String? {
    let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
    return target?.split(separator: "/").last.map(String.init)
}

func kernelThreadExists(_ tid: String) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/self/task/\(tid)")
}

/// Thread-safe sink for subscriber callbacks.
final class Collector: Sendable {
    private let messages = Mutex<[[[UInt8]]]>([])
    private let oversized = Mutex<[(parts: Int, bytes: Int)]>([])
    private let probes = Atomic(0)
    private let handlerThread = Mutex<String?>(nil)
    let probeTopic: [UInt8]

    init(probeTopic: String = "probe") { self.probeTopic = Array(probeTopic.utf8) }

    /// Handler for `Subscriber`: counts probes, keeps everything else.
    func handle(_ parts: [[UInt8]]) {
        handlerThread.withLock { if $0 == nil { $0 = currentKernelThreadID() } }
        if parts.first == probeTopic {
            probes.add(1, ordering: .relaxed)
        } else {
            messages.withLock { $0.append(parts) }
        }
    }

    func handleOversized(_ parts: Int, _ bytes: Int) {
        oversized.withLock { $0.append((parts, bytes)) }
    }

    var probeCount: Int { probes.load(ordering: .relaxed) }
    var count: Int { messages.withLock { $0.count } }
    var snapshot: [[[UInt8]]] { messages.withLock { $0 } }
    var oversizedReports: [(parts: Int, bytes: Int)] { oversized.withLock { $0 } }
    var subscriberThreadID: String? { handlerThread.withLock { $0 } }

    func makeSubscriber(_ context: Context, _ configuration: Subscriber.Configuration) throws -> Subscriber {
        try Subscriber(
            context: context, configuration: configuration,
            onOversized: { [self] in handleOversized($0, $1) },
            onMessage: { [self] in handle($0) })
    }
}

/// Beats the PUB/SUB slow-joiner problem: publishes probes until the
/// subscriber has seen one, bounded in time.
func awaitSubscription(
    _ publisher: Publisher, _ collector: Collector, timeout: Duration = .seconds(5)
) throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        try publisher.publish([collector.probeTopic])
        if waitUntil(timeout: .milliseconds(10), { collector.probeCount > 0 }) { return true }
    }
    return false
}

func uint64Bytes(_ value: UInt64) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// Deterministic payload of varying length (0 ..< 300), including zero bytes.
func payload(for seq: Int) -> [UInt8] {
    (0..<(seq % 300)).map { UInt8(truncatingIfNeeded: seq &* 31 &+ $0) }
}
