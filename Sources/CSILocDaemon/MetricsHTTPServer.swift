import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 server for Prometheus scraping: `GET /metrics` and `GET /healthz`, nothing else.
///
/// One thread, one connection at a time, `poll` with a short timeout so ``stop()`` is noticed; requests are
/// read with a 2 s deadline and a 8 KiB cap, so a stuck or hostile client delays scrapes but cannot wedge
/// or grow the server. Enough for a scraper on loopback; not a general web server (and meant to listen on
/// loopback only — the address is explicit in the configuration).
public final class MetricsHTTPServer: Sendable {
    /// Produces the `/metrics` body.
    public typealias Exposition = @Sendable () -> [UInt8]
    /// `/healthz`: whether to answer 200 or 503.
    public typealias Health = @Sendable () -> Bool

    private let fd: Int32
    /// The bound port (resolved when the configuration asked for port 0).
    public let port: UInt16
    private let stopRequested = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Binds and listens; throws with `errno`'s text on failure (address in use, bad address…).
    public init(address: ListenAddress, exposition: @escaping Exposition, health: @escaping Health) throws {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Self.failure("socket", address) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound: Int32
        if address.isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = address.port.bigEndian
            guard inet_pton(AF_INET6, address.host, &sa.sin6_addr) == 1 else { close(fd); throw Self.failure("inet_pton", address) }
            bound = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = address.port.bigEndian
            guard inet_pton(AF_INET, address.host, &sa.sin_addr) == 1 else { close(fd); throw Self.failure("inet_pton", address) }
            bound = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let error = Self.failure("bind/listen", address)
            close(fd)
            throw error
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = withUnsafePointer(to: &storage) { p in
            address.isIPv6 ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                           : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        self.fd = fd
        let thread = Thread { [self] in
            nameCurrentThread("csilocd-metrics")
            serve(exposition: exposition, health: health)
            close(fd)
            finished.signal()
        }
        thread.name = "csilocd-metrics"
        thread.start()
    }

    /// Stops the thread (within ~200 ms) and closes the socket. Call once.
    public func stop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }

    private static func failure(_ what: String, _ address: ListenAddress) -> Error {
        let text = String(cString: strerror(errno))
        return NSError(domain: "csilocd", code: Int(errno),
                       userInfo: [NSLocalizedDescriptionKey: "metrics.listen \(address): \(what) failed: \(text)"])
    }

    private func serve(exposition: Exposition, health: Health) {
        while !stopRequested.load(ordering: .acquiring) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 200) > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            handle(client, exposition: exposition, health: health)
            close(client)
        }
    }

    private func handle(_ client: Int32, exposition: Exposition, health: Health) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        let deadline = ContinuousClock.now + .seconds(2)
        while request.count < 8192, !request.containsHeaderEnd, ContinuousClock.now < deadline {
            var pfd = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) >= 0 else { return }
            guard pfd.revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            request += buffer[0..<n]
        }
        let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let (status, type, body): (String, String, [UInt8])
        if parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" {
            switch parts[1].split(separator: "?").first.map(String.init) ?? "" {
            case "/metrics": (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", exposition())
            case "/healthz":
                (status, type, body) = health() ? ("200 OK", "text/plain", Array("ok\n".utf8))
                                                : ("503 Service Unavailable", "text/plain", Array("stalled\n".utf8))
            default: (status, type, body) = ("404 Not Found", "text/plain", Array("not found\n".utf8))
            }
        } else {
            (status, type, body) = ("400 Bad Request", "text/plain", Array("bad request\n".utf8))
        }
        let head = "HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var response = Array(head.utf8)
        if parts.first != "HEAD" { response += body }
        var offset = 0
        while offset < response.count {
            let n = response[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            offset += n
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether an HTTP request's header block is complete (`\r\n\r\n` or `\n\n`).
    fileprivate var containsHeaderEnd: Bool {
        let crlf: [UInt8] = [13, 10, 13, 10]
        if count >= 4, (0...(count - 4)).contains(where: { Array(self[$0..<($0 + 4)]) == crlf }) { return true }
        return count >= 2 && (0...(count - 2)).contains { self[$0] == 10 && self[$0 + 1] == 10 }
    }
}
