/// Whether a ZeroMQ endpoint is reachable beyond this host: the daemon warns at start when it binds such an
/// endpoint without CURVE (anyone who can reach it may read the fixes, or inject CSI frames).
public enum EndpointExposure: Sendable, Equatable {
    /// `ipc://`, `inproc://`: not on the network.
    case local
    /// TCP on a loopback address or interface (`127.0.0.0/8`, `::1`, `localhost`, `lo`).
    case loopback
    /// Any other TCP address (`*`, `0.0.0.0`, an interface name, a host) or a multicast transport.
    case network

    /// Classifies `endpoint` (already validated as `transport://address`).
    public init(endpoint: String) {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") {
            self = .local
            return
        }
        guard endpoint.hasPrefix("tcp://") else {
            self = .network // pgm://, epgm://
            return
        }
        var host = Substring(endpoint.dropFirst("tcp://".count))
        // `tcp://source;destination` (connect only): the destination decides.
        if let semicolon = host.lastIndex(of: ";") { host = host[host.index(after: semicolon)...] }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        let loopback = host == "localhost" || host == "lo" || host == "::1" || host.hasPrefix("127.")
        self = loopback ? .loopback : .network
    }
}
