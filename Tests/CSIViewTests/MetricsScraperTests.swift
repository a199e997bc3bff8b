import Foundation
import Testing

@testable import CSIView

/// ``MetricsScraper`` against a one-shot fake server on a raw socket: the body cap holds whatever the answer says.
@Suite struct MetricsScraperTests {
    /// Listens on 127.0.0.1, answers one connection with `response` (after reading the request), then waits for
    /// the client to hang up (the answer's end is signalled by shutting down the sending side). Returns the port.
    func serveOnce(_ response: [UInt8]) throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard bound else { close(fd); throw POSIXError(.EADDRINUSE) }
        let thread = Thread {
            defer { close(fd) }
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            defer { close(c) }
            var tv = timeval(tv_sec: 120, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = buffer.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            _ = response.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            shutdown(c, Int32(SHUT_WR)) // the end of a body without length or chunks
            while buffer.withUnsafeMutableBytes({ recv(c, $0.baseAddress, $0.count, 0) }) > 0 {}
        }
        thread.start()
        return UInt16(bigEndian: sa.sin_port)
    }

    func scrape(_ response: String) async throws -> [String: Double] {
        let port = try serveOnce(Array(response.utf8))
        // A generous budget: what is tested is the body cap, not speed. When other suites' CPU-bound tests occupy
        // every thread of the cooperative pool (2 on this machine) the socket pool's loop waits for them, and a
        // 20 s budget was once exceeded that way under a concurrent training.
        return try await MetricsScraper(url: "http://127.0.0.1:\(port)/metrics").scrape(timeout: .seconds(120))
    }

    @Test func aSmallBodyIsParsed() async throws {
        let body = "# TYPE csilocd_fixes_total counter\ncsilocd_fixes_total 42\n"
        let series = try await scrape("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        #expect(series == ["csilocd_fixes_total": 42])
        // chunked (split inside a line), and delimited by the end of the connection
        let chunked = try await scrape(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ncsilo\r\n12;x=1\r\ncd_fixes_total 42\n\r\n0\r\n\r\n"
        )
        #expect(chunked == ["csilocd_fixes_total": 42])
        #expect(try await scrape("HTTP/1.1 200 OK\r\n\r\n" + body) == ["csilocd_fixes_total": 42])
        await #expect(throws: ViewError("GET /metrics answered 404")) {
            _ = try await scrape("HTTP/1.1 404 Not Found\r\n\r\n")
        }
    }

    @Test func aHugeDeclaredBodyIsRefusedWithoutReadingIt() async throws {
        // 100 MB declared, nothing sent: reading it would end in the timeout's error ("no answer within …"); the
        // cap refuses on the headers alone, with its own error (no wall-clock assertion: the suite runs loaded)
        await #expect(
            throws: ViewError("the metrics body of 100000000 bytes exceeds \(MetricsScraper.maxBodyBytes) bytes")
        ) {
            _ = try await scrape("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
        }
    }

    @Test func aChunkedBodyIsCutAtTheCap() async throws {
        // 5 MiB in 64 KiB chunks, no length announced
        let chunk = String(repeating: "csilocd_x 1\n", count: 65_536 / 12)
        let size = String(chunk.utf8.count, radix: 16)
        let body = String(repeating: "\(size)\r\n\(chunk)\r\n", count: (5 << 20) / chunk.utf8.count) + "0\r\n\r\n"
        await #expect(throws: ViewError("the metrics answer exceeds \(MetricsScraper.maxAnswerBytes) bytes")) {
            _ = try await scrape("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        }
    }
}
