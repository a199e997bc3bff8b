/// A numeric `host:port` to listen on: `127.0.0.1:9464` or `[::1]:9464`.
///
/// Only numeric hosts are accepted (no DNS at start-up), which also keeps "listen everywhere" an explicit,
/// visible choice (`0.0.0.0:9464`).
struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The numeric host without brackets.
    var host: String
    var port: UInt16
    /// Whether `host` is IPv6.
    var isIPv6: Bool

    /// Parses `a.b.c.d:port` or `[v6]:port`; `nil` otherwise. Port 0 asks the kernel for a free port.
    init?(parsing text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), host.contains(":") else { return nil }
            (self.host, self.port, isIPv6) = (host, port, true)
        } else {
            let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2, let port = UInt16(pieces[1]) else { return nil }
            let octets = pieces[0].split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return nil }
            (host, self.port, isIPv6) = (String(pieces[0]), port, false)
        }
    }

    var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
