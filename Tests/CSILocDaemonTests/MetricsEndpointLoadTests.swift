import Foundation
import Synchronization
import Testing

@testable import CSILocDaemon

#if canImport(Glibc)
import Glibc
#endif

/// The metrics endpoint keeps answering while clients hold sockets open (issue 13, class 6): the old server
/// took one connection at a time with a 2 s wait each, so 54 idle sockets or a 20-socket slowloris kept
/// `/metrics` and `/healthz` (Prometheus' and the watchdog's view of the service) from answering.
@Suite(.serialized)
struct MetricsEndpointLoadTests {
    @Test func answersWithin1sWhile200IdleAnd20SlowlorisConnectionsAreOpen() async throws {
        let metrics = DaemonMetrics()
        metrics.received()
        let server = try MetricsHTTPServer(
            address: ListenAddress(parsing: "127.0.0.1:0")!,
            exposition: { metrics.exposition() }, health: { true })
        defer { server.stop() }
        let port = server.port
        let results = try await onThread { () throws -> [(path: String, seconds: Double, status: String)] in
            let idle = try (0..<200).map { _ in try connectLoopback(port: port) }
            let slow = try (0..<20).map { _ in try connectLoopback(port: port) }
            defer { (idle + slow).forEach { close($0) } }
            // Slowloris: one byte per second per socket, never finishing the request.
            let dripping = Atomic(true)
            let dripper = Thread {
                let request = Array("GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa".utf8)
                var i = 0
                while dripping.load(ordering: .relaxed) {
                    for fd in slow { _ = send(fd, [request[i % request.count]], 1, Int32(MSG_NOSIGNAL)) }
                    i += 1
                    usleep(1_000_000)
                }
            }
            dripper.start()
            defer { dripping.store(false, ordering: .relaxed) }
            usleep(200_000)
            var results: [(String, Double, String)] = []
            // Three rounds over ~3 s: before, across and after the server's 2 s per-connection deadline.
            for _ in 0..<3 {
                for path in ["/metrics", "/healthz"] {
                    let t0 = ContinuousClock.now
                    let response = try timedGet(port: port, path: path, timeout: 5)
                    let d = ContinuousClock.now - t0
                    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                    results.append((path, seconds, response.components(separatedBy: "\r\n").first ?? ""))
                }
                usleep(1_000_000)
            }
            return results
        }
        for r in results {
            #expect(r.seconds < 1.0, "\(r.path) took \(r.seconds) s")
            #expect(r.status == "HTTP/1.0 200 OK", "\(r.path): \(r.status)")
        }
    }

    @Test func idleAndOverlongClientsAreCutOff() async throws {
        var limits = MetricsHTTPServer.Limits()
        limits.deadline = .milliseconds(300)
        limits.maxConnections = 4
        let server = try MetricsHTTPServer(
            address: ListenAddress(parsing: "127.0.0.1:0")!, limits: limits,
            exposition: { Array("m 1\n".utf8) }, health: { true })
        defer { server.stop() }
        let port = server.port
        let (idleClosed, evicted, oversized, stillServes) = try await onThread {
            // An idle client is closed at the deadline (recv sees EOF), not held forever.
            let idle = try connectLoopback(port: port)
            defer { close(idle) }
            let idleClosed = readsEOF(idle, within: 2)
            // Beyond maxConnections the oldest is closed to make room.
            let first = try connectLoopback(port: port)
            defer { close(first) }
            usleep(50_000)
            let others = try (0..<4).map { _ in try connectLoopback(port: port) }
            defer { others.forEach { close($0) } }
            let evicted = readsEOF(first, within: 0.2)
            // A request header over the cap is answered from its first line and closed, never grown.
            let big = try connectLoopback(port: port)
            defer { close(big) }
            let junk = Array("GET /metrics HTTP/1.0\r\nX: ".utf8) + [UInt8](repeating: 65, count: 20_000)
            _ = junk.withUnsafeBytes { send(big, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let oversized = readAll(big, timeout: 2).hasPrefix("HTTP/1.0 200 OK")
            let stillServes = try timedGet(port: port, path: "/metrics", timeout: 2).hasPrefix("HTTP/1.0 200 OK")
            return (idleClosed, evicted, oversized, stillServes)
        }
        #expect(idleClosed)
        #expect(evicted)
        #expect(oversized)
        #expect(stillServes)
    }
}

/// A connected blocking TCP socket to 127.0.0.1:`port`.
func connectLoopback(port: UInt16) throws -> Int32 {
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
    return fd
}

/// Everything the peer sends until EOF or `timeout` seconds of silence.
func readAll(_ fd: Int32, timeout: Double) -> String {
    var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1e6))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[0..<n]
    }
    return String(decoding: response, as: UTF8.self)
}

/// Whether the peer closes `fd` (EOF or reset) within `seconds`.
func readsEOF(_ fd: Int32, within seconds: Double) -> Bool {
    var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - floor(seconds)) * 1e6))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var byte: UInt8 = 0
    let n = recv(fd, &byte, 1, 0)
    return n == 0 || (n < 0 && errno == ECONNRESET)
}

/// GET `path` with a receive timeout, so a stuck server fails the test instead of hanging it.
func timedGet(port: UInt16, path: String, timeout: Double) throws -> String {
    let fd = try connectLoopback(port: port)
    defer { close(fd) }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: x\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    return readAll(fd, timeout: timeout)
}
