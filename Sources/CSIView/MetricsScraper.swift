import FlyingFox
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
    public func scrape(prefix: String = "csilocd_", timeout: Duration = .seconds(2)) async throws -> [String: Double] {
        let request = HTTPRequest(method: .GET, version: .http11, path: path, query: [], headers: [.host: "\(host):\(port)", .connection: "close"], body: Data())
        let (host, port) = (host, port)
        let body: Data = try await withThrowingTaskGroup(of: Data?.self) { group in
            group.addTask {
                var client = HTTPClient()
                let response = host.contains(":")
                    ? try await client.sendHTTPRequest(request, to: try sockaddr_in6.inet6(ip6: host, port: port))
                    : try await client.sendHTTPRequest(request, to: try sockaddr_in.inet(ip4: host, port: port))
                guard response.statusCode == .ok else { throw ViewError("GET \(request.path) answered \(response.statusCode.code)") }
                return try await response.bodyData
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
        return Self.parse(String(decoding: body.prefix(4 << 20), as: UTF8.self), prefix: prefix)
    }

    /// Sample lines of the Prometheus text format (`name{labels} value [timestamp]`) whose name starts with
    /// `prefix`; comments, histogram and summary series (`_bucket`, `_sum`, `_count`: timings, which the page does
    /// not show), unparsable and non-finite values are skipped — csilocd's counters and gauges then fit in
    /// ``ViewLimits/maxMetricSeries``.
    static func parse(_ text: String, prefix: String) -> [String: Double] {
        var series: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let nameEnd = line.lastIndex(of: "}").map { line.index(after: $0) } ?? line.firstIndex(of: " ") ?? line.endIndex
            let name = String(line[..<nameEnd])
            guard let field = line[nameEnd...].split(separator: " ").first, let value = Double(field), value.isFinite else { continue }
            let base = name.prefix { $0 != "{" }
            if base.hasSuffix("_bucket") || base.hasSuffix("_sum") || base.hasSuffix("_count") { continue }
            series[name] = value
        }
        return series
    }
}
