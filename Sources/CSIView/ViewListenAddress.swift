import Foundation

/// Where the viewer's HTTP server listens: `HOST:PORT` with an IPv4 or IPv6 literal (`[::1]:8090`) or
/// `localhost`. Only loopback addresses are accepted unless the caller explicitly allows others: the page shows
/// where people are.
public struct ViewListenAddress: Sendable, Equatable {
    /// IP literal (IPv6 without brackets).
    var host: String
    /// TCP port; 0 lets the kernel choose (see ``Viewer/port``).
    var port: UInt16
    var isIPv6: Bool { host.contains(":") }

    /// Parses and checks `text`.
    ///
    /// - Parameter allowNonLoopback: accept a non-loopback IP literal (the page is then reachable from the network).
    /// - Throws: ``ViewError`` naming the address.
    public init(parsing text: String, allowNonLoopback: Bool = false) throws(ViewError) {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ViewError("listen address '\(text)': expected [IPv6]:PORT, e.g. [::1]:8090")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw ViewError("listen address '\(text)': expected HOST:PORT, e.g. 127.0.0.1:8090")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portPart) else {
            throw ViewError("listen address '\(text)': the port '\(portPart)' is not in 0...65535")
        }
        let host = hostPart == "localhost" ? "127.0.0.1" : String(hostPart)
        let family = host.contains(":") ? AF_INET6 : AF_INET
        var buffer = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, host, &buffer) == 1 else {
            throw ViewError("listen address '\(text)': '\(hostPart)' is not an IP address (or localhost)")
        }
        let loopback = family == AF_INET ? buffer[0] == 127 : buffer == [UInt8](repeating: 0, count: 15) + [1]
        guard loopback || allowNonLoopback else {
            throw ViewError(
                "listen address '\(text)' is not loopback: the map shows where people are; bind 127.0.0.1, or pass --allow-remote to serve it to the network"
            )
        }
        self.host = host
        self.port = port
    }

    /// The address as a URL host and port, e.g. `127.0.0.1:8090`, `[::1]:8090`.
    func authority(port: UInt16) -> String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
