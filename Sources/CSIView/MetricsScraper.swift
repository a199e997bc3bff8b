import FlyingSocks
import Foundation

/// Reads csilocd's `GET /metrics` (Prometheus text, docs/daemon.md "Metrics") for the page's counters.
public struct MetricsScraper: Sendable {
    /// The URL as given, for the page.
    public let url: String
    let host: String
    let port: UInt16
    let path: String

    /// Accepts `http://HOST:PORT/PATH` with an IPv4 literal, `localhost` or `[IPv6]` host (no DNS: the viewer
    /// reads a daemon it can name by address).
    ///
    /// - Throws: ``ViewError`` naming the URL.
    public init(url: String) throws(ViewError) {
        guard let c = URLComponents(string: url), c.scheme == "http", let rawHost = c.host, !rawHost.isEmpty else {
            throw ViewError("metrics URL '\(url)': expected http://HOST:PORT/metrics")
        }
        var host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        if host == "localhost" { host = "127.0.0.1" }
        var buffer = [UInt8](repeating: 0, count: 16)
        guard inet_pton(host.contains(":") ? AF_INET6 : AF_INET, host, &buffer) == 1 else {
            throw ViewError("metrics URL '\(url)': the host '\(rawHost)' must be an IP address or localhost")
        }
        guard let port = c.port, (1...65535).contains(port) else {
            throw ViewError("metrics URL '\(url)': give the port, e.g. http://127.0.0.1:9464/metrics")
        }
        self.url = url
        self.host = host
        self.port = UInt16(port)
        self.path = c.path.isEmpty ? "/metrics" : c.path
    }

    /// One scrape: the series whose names start with `prefix` (histograms and summaries left out).
    ///
    /// - Throws: socket errors, ``ViewError`` for a non-200 answer or a timeout.
    func scrape(prefix: String = "csilocd_", timeout: Duration = .seconds(2)) async throws -> [String: Double] {
        let (host, port, path) = (host, port, path)
        // The connect gets the whole budget too (FlyingSocks' default is 5 s, which a loaded machine can exceed).
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        let body: Data = try await withThrowingTaskGroup(of: Data?.self) { group in
            group.addTask {
                let socket =
                    host.contains(":")
                    ? try await AsyncSocket.connected(
                        to: try sockaddr_in6.inet6(ip6: host, port: port), timeout: seconds)
                    : try await AsyncSocket.connected(to: try sockaddr_in.inet(ip4: host, port: port), timeout: seconds)
                defer { try? socket.close() }
                let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                try await socket.write(
                    Data("GET \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n\r\n".utf8))
                return try await Self.readBody(path: path, maxBytes: Self.maxBodyBytes) {
                    try await socket.read(atMost: 65_536)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw ViewError("no answer within \(timeout)") }
            return first
        }
        return Self.parse(String(decoding: body, as: UTF8.self), prefix: prefix)
    }

    /// Largest `/metrics` body read (csilocd's is a few KiB).
    static let maxBodyBytes = 4 << 20
    /// Largest answer read: the body, its headers and chunk framing.
    static let maxAnswerBytes = maxBodyBytes + 65_536

    /// Reads an HTTP/1.1 answer (to a `Connection: close` request) through `read` — which returns `[]` or throws
    /// `SocketError.disconnected` at the end — and returns its body. Never holds more than ``maxAnswerBytes``:
    /// a `Content-Length` above `maxBytes` is refused as soon as the headers are in, a longer answer when it
    /// passes the cap (FlyingFox's client would read any body whole first).
    ///
    /// - Throws: ``ViewError`` for a status other than 200, a size beyond the cap or a malformed answer.
    static func readBody(path: String, maxBytes: Int, read: () async throws -> [UInt8]) async throws -> Data {
        var raw: [UInt8] = []
        var bodyStart: Int?
        var contentLength: Int?
        var chunked = false
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let bytes: [UInt8]
            do { bytes = try await read() } catch SocketError.disconnected { break }
            if bytes.isEmpty { break }
            raw += bytes
            guard raw.count <= maxAnswerBytes else {
                throw ViewError("the metrics answer exceeds \(maxAnswerBytes) bytes")
            }
            if bodyStart == nil, let end = raw.firstRange(of: separator) {
                bodyStart = end.upperBound
                let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n")
                let status = head.first?.split(separator: " ", maxSplits: 2) ?? []
                guard status.count >= 2 else { throw ViewError("GET \(path): not an HTTP answer") }
                guard status[1] == "200" else { throw ViewError("GET \(path) answered \(status[1])") }
                for line in head.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    switch parts[0].lowercased() {
                    case "content-length":
                        guard let n = Int(value), n >= 0 else {
                            throw ViewError("GET \(path): bad Content-Length '\(value)'")
                        }
                        guard n <= maxBytes else {
                            throw ViewError("the metrics body of \(n) bytes exceeds \(maxBytes) bytes")
                        }
                        contentLength = n
                    case "transfer-encoding":
                        chunked = value.lowercased().hasSuffix("chunked")
                    default: break
                    }
                }
            }
            if let start = bodyStart, let n = contentLength, !chunked, raw.count - start >= n { break }
        }
        guard let start = bodyStart else { throw ViewError("GET \(path): the answer ended before its headers") }
        var body = Array(raw[start...])
        if chunked {
            body = try dechunk(body, path: path)
        } else if let n = contentLength {
            body = Array(body.prefix(n))
        }
        guard body.count <= maxBytes else { throw ViewError("the metrics body exceeds \(maxBytes) bytes") }
        return Data(body)
    }

    /// The data of a `Transfer-Encoding: chunked` body (`SIZE-HEX[;ext]\r\nDATA\r\n` … `0\r\n\r\n`).
    static func dechunk(_ bytes: [UInt8], path: String) throws(ViewError) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[i...].firstRange(of: crlf) else {
                throw ViewError("GET \(path): truncated chunked body")
            }
            let sizeText =
                String(decoding: bytes[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw ViewError("GET \(path): bad chunk size '\(sizeText)'")
            }
            if size == 0 { return out }
            let dataStart = lineEnd.upperBound
            guard size <= bytes.count - dataStart else { throw ViewError("GET \(path): truncated chunked body") }
            out += bytes[dataStart..<(dataStart + size)]
            i = dataStart + size + 2
            guard i <= bytes.count else { throw ViewError("GET \(path): truncated chunked body") }
        }
    }

    /// Sample lines of the Prometheus text format (`name{labels} value [timestamp]`) whose name starts with
    /// `prefix`; comments, histogram and summary series (`_bucket`, `_sum`, `_count`: timings, which the page does
    /// not show), unparsable and non-finite values are skipped — csilocd's counters and gauges then fit in
    /// ``ViewLimits/maxMetricSeries``.
    static func parse(_ text: String, prefix: String) -> [String: Double] {
        var series: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let nameEnd =
                line.lastIndex(of: "}").map { line.index(after: $0) } ?? line.firstIndex(of: " ") ?? line.endIndex
            let name = String(line[..<nameEnd])
            guard let field = line[nameEnd...].split(separator: " ").first, let value = Double(field), value.isFinite
            else { continue }
            let base = name.prefix { $0 != "{" }
            if base.hasSuffix("_bucket") || base.hasSuffix("_sum") || base.hasSuffix("_count") { continue }
            series[name] = value
        }
        return series
    }
}
