import CSIWire
import Foundation
import ZMQ

@testable import CSIView

/// A viewer on 127.0.0.1:0 subscribed to a publisher bound on a free loopback port.
struct ViewerFixture {
    let context: Context
    let publisher: Publisher
    let viewer: Viewer

    init(limits: ViewLimits = ViewLimits(), area: MapArea? = nil) async throws {
        context = try Context()
        publisher = try Publisher(context: context, bind: ["tcp://127.0.0.1:*"])
        var config = Viewer.Configuration(
            endpoint: publisher.lastEndpoint, listen: try ViewListenAddress(parsing: "127.0.0.1:0"))
        config.limits = limits
        config.area = area
        viewer = try Viewer(configuration: config)
        // The server starts on the cooperative pool, which the suite's long synchronous tests can hold for a minute
        // on a 2-core machine (one run waited > 60 s): a generous bound, not a timing claim.
        try await viewer.start(timeout: .seconds(180))
    }

    /// A walking UE's fix k: along +x at 1 m/s from (−4, 1), 10 fixes/s, with truth error 1 cm and a track.
    static func fix(_ k: Int, ue: UInt32 = 7) -> PositionFix {
        let x = -4 + 0.1 * Double(k)
        let track = PositionFix.Track(
            position: SIMD3(x, 1, 1.5), velocity: SIMD3(1, 0, 0), covariance: [0.01, 0, 0, 0.01],
            velocityCovariance: [0.01, 0, 0, 0.01], event: "updated", updates: k, ageSeconds: 0.1 * Double(k),
            sinceUpdateSeconds: 0)
        return PositionFix(
            seq: UInt64(k), receiverID: 1, ueID: ue, tCaptureNs: Int64(k) * 100_000_000, tPublishNs: 0,
            position: SIMD3(x + 0.01, 1, 1.5), covariance: [0.04, 0.01, 0.01, 0.02], latencyMs: 3, truthErrorM: 0.01,
            track: track)
    }

    /// Publishes fixes 0, 1, … every 20 ms until `done()` or `timeout` (PUB drops until the subscription arrives).
    func publish(until done: () -> Bool, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var k = 0
        while !done(), ContinuousClock.now < deadline {
            try publisher.publish(Self.fix(k % 80).messageParts())
            k += 1
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `body` with a fixture and closes it afterwards, also when `body` throws.
    static func with(
        limits: ViewLimits = ViewLimits(), area: MapArea? = nil, _ body: (ViewerFixture) async throws -> Void
    ) async throws {
        let f = try await ViewerFixture(limits: limits, area: area)
        do { try await body(f) } catch { await f.close(); throw error }
        await f.close()
    }

    func close() async {
        await viewer.stop()
        publisher.close()
        context.shutdown()
        context.terminate()
    }
}

/// A connected blocking TCP socket to 127.0.0.1:`port` with a receive timeout.
func connectLoopback(port: UInt16, receiveTimeout: Double = 30) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    var sa = sockaddr_in()
    sa.sin_family = sa_family_t(AF_INET)
    sa.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
    let ok = withUnsafePointer(to: &sa) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard ok == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    var tv = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - floor(receiveTimeout)) * 1e6))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    return fd
}

func sendText(_ fd: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// Receives until `stop(received)` holds, EOF, or a receive timeout.
func receive(_ fd: Int32, until stop: (String) -> Bool) -> String {
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[0..<n]
        if stop(String(decoding: response, as: UTF8.self)) { break }
    }
    return String(decoding: response, as: UTF8.self)
}

/// The `data:` lines of the `state` events in an SSE byte stream, decoded.
func stateEvents(_ stream: String) -> [ViewSnapshot] {
    stream.components(separatedBy: "event: state\ndata: ").dropFirst().compactMap { rest in
        guard let line = rest.split(separator: "\n", maxSplits: 1).first else { return nil }
        return try? JSONDecoder().decode(ViewSnapshot.self, from: Data(line.utf8))
    }
}

/// Runs blocking work (socket reads, waiting for a process) on its own thread, never on Swift's cooperative pool:
/// with 2 cores that pool has 2 threads, and blocking them would starve the server under test.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
