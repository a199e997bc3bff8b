import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 server for Prometheus scraping: `GET /metrics` and `GET /healthz`, nothing else.
///
/// One thread multiplexes every connection with `poll(2)` on non-blocking sockets, so idle or slow clients
/// (an idle socket, a slowloris sending a byte a second) never delay a scrape:
/// - at most ``Limits/maxConnections`` connections are open; a new one evicts the oldest, so a flood of
///   idle sockets cannot keep a scraper out (nor exhaust the process's file descriptors, which libzmq needs);
/// - each connection has one absolute deadline from accept (``Limits/deadline``) to send its request and
///   read the answer, however slowly it trickles bytes; then it is closed;
/// - requests are capped at ``Limits/maxRequestBytes`` (the header block; bodies are not read);
/// - `accept` failing with `EMFILE`/`ENFILE` closes the oldest connection or pauses accepting for 100 ms,
///   never ends the server.
/// `HTTP/1.0`, `Connection: close`. It listens only on the configured address (keep it on loopback; the
/// address is explicit in the configuration). Why hand-written rather than a library: docs/daemon.md.
final class MetricsHTTPServer: Sendable {
    /// Produces the `/metrics` body.
    typealias Exposition = @Sendable () -> [UInt8]
    /// `/healthz`: whether to answer 200 or 503.
    typealias Health = @Sendable () -> Bool

    /// Bounds on what clients can hold.
    struct Limits: Sendable {
        /// Open connections at once; the oldest is closed to make room for a new one.
        var maxConnections = 64
        /// From accept to the last byte of the answer.
        var deadline: Duration = .seconds(2)
        /// Largest request header block read.
        var maxRequestBytes = 8192

        init() {}
    }

    private let fd: Int32
    /// The bound port (resolved when the configuration asked for port 0).
    let port: UInt16
    private let limits: Limits
    private let stopRequested = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Binds and listens; throws with `errno`'s text on failure (address in use, bad address…).
    init(
        address: ListenAddress, limits: Limits = Limits(), exposition: @escaping Exposition,
        health: @escaping Health
    ) throws {
        self.limits = limits
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(
            family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Self.failure("socket", address) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if address.isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = address.port.bigEndian
            bound = try Self.bindParsed(fd, &sa, address) { inet_pton(AF_INET6, address.host, &$0.sin6_addr) }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = address.port.bigEndian
            bound = try Self.bindParsed(fd, &sa, address) { inet_pton(AF_INET, address.host, &$0.sin_addr) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let error = Self.failure("bind/listen", address)
            close(fd)
            throw error
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = withUnsafePointer(to: &storage) { p in
            address.isIPv6
                ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
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

    /// Stops the thread (within ~200 ms) and closes the sockets. Call once.
    func stop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }

    /// Sets the host of `sa` (a `sockaddr_in` or `sockaddr_in6`, family and port set) with `parseHost`
    /// (`inet_pton`) and binds `fd` to it, returning `bind`'s result; closes `fd` and throws when the host does not
    /// parse.
    private static func bindParsed<Address>(
        _ fd: Int32, _ sa: inout Address, _ address: ListenAddress, parseHost: (inout Address) -> Int32
    ) throws -> Int32 {
        guard parseHost(&sa) == 1 else {
            close(fd); throw failure("inet_pton", address)
        }
        return withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }

    private static func failure(_ what: String, _ address: ListenAddress) -> any Error {
        let text = String(cString: strerror(errno))
        return NSError(
            domain: "csilocd", code: Int(errno),
            userInfo: [NSLocalizedDescriptionKey: "metrics.listen \(address): \(what) failed: \(text)"])
    }

    /// One client: what it sent, what it is owed, and when it is cut off.
    private struct Connection {
        let fd: Int32
        var deadline: ContinuousClock.Instant
        var request: [UInt8] = []
        /// The answer once the request is complete; `written` bytes of it are sent.
        var response: [UInt8]?
        var written = 0
    }

    private func serve(exposition: Exposition, health: Health) {
        var connections: [Connection] = [] // in accept order: the first is the oldest
        var acceptPausedUntil = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { for c in connections { close(c.fd) } }
        while !stopRequested.load(ordering: .acquiring) {
            let now = ContinuousClock.now
            let listening = now >= acceptPausedUntil
            var fds = [pollfd(fd: listening ? fd : -1, events: Int16(POLLIN), revents: 0)]
            for c in connections {
                fds.append(pollfd(fd: c.fd, events: Int16(c.response == nil ? POLLIN : POLLOUT), revents: 0))
            }
            var wait = Duration.milliseconds(200)
            if let next = connections.map(\.deadline).min() { wait = min(wait, max(.zero, next - now)) }
            if !listening { wait = min(wait, max(.zero, acceptPausedUntil - now)) }
            let waitMs = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000) + 1
            guard poll(&fds, nfds_t(fds.count), waitMs) >= 0 else {
                if errno != EINTR { usleep(10_000) } // a persistent error must not spin the thread
                continue
            }

            // Existing connections first (their indices match `fds[1...]`), then new ones.
            var closing = Set<Int>()
            for index in connections.indices where fds[index + 1].revents != 0 {
                if !progress(&connections[index], buffer: &buffer, exposition: exposition, health: health) {
                    closing.insert(index)
                }
            }
            let after = ContinuousClock.now
            for index in connections.indices where connections[index].deadline <= after { closing.insert(index) }
            if !closing.isEmpty {
                for index in closing { close(connections[index].fd) }
                connections = connections.indices.filter { !closing.contains($0) }.map { connections[$0] }
            }
            guard listening, fds[0].revents != 0 else { continue }
            for _ in 0..<limits.maxConnections { // drain the backlog, bounded per round
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EMFILE || errno == ENFILE {
                        if connections.isEmpty {
                            acceptPausedUntil = ContinuousClock.now + .milliseconds(100)
                        } else {
                            close(connections.removeFirst().fd)
                            continue
                        }
                    }
                    break // EAGAIN: backlog empty; anything else: try again next round
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                if connections.count >= limits.maxConnections { close(connections.removeFirst().fd) }
                connections.append(Connection(fd: client, deadline: ContinuousClock.now + limits.deadline))
            }
        }
    }

    /// Reads or writes what the socket allows. Returns whether to keep the connection.
    private func progress(_ c: inout Connection, buffer: inout [UInt8], exposition: Exposition, health: Health) -> Bool
    {
        if c.response == nil {
            let room = min(buffer.count, limits.maxRequestBytes - c.request.count)
            let n = buffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, room, 0) }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            let before = c.request.count
            c.request += buffer[0..<n]
            // Answer when the header block is complete, the cap is reached, or the client half-closed (only the
            // new bytes and the 3 before them can complete the terminator).
            guard n == 0 || c.request.count >= limits.maxRequestBytes || c.request.containsHeaderEnd(from: before - 3)
            else { return true }
            c.response = Self.response(to: c.request, exposition: exposition, health: health)
        }
        guard let response = c.response else { return true }
        while c.written < response.count {
            let n = response[c.written...].withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            c.written += n
        }
        return false // all sent: close
    }

    /// The whole answer (head and body) to a request's first line.
    static func response(to request: [UInt8], exposition: Exposition, health: Health) -> [UInt8] {
        let line = String(
            decoding: request.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let (status, type, body): (String, String, [UInt8])
        if parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" {
            switch parts[1].split(separator: "?").first.map(String.init) ?? "" {
            case "/metrics": (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", exposition())
            case "/healthz":
                (status, type, body) =
                    health()
                    ? ("200 OK", "text/plain", Array("ok\n".utf8))
                    : ("503 Service Unavailable", "text/plain", Array("stalled\n".utf8))
            default: (status, type, body) = ("404 Not Found", "text/plain", Array("not found\n".utf8))
            }
        } else {
            (status, type, body) = ("400 Bad Request", "text/plain", Array("bad request\n".utf8))
        }
        let head =
            "HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var response = Array(head.utf8)
        if parts.first != "HEAD" { response += body }
        return response
    }
}

extension Array where Element == UInt8 {
    /// Whether an HTTP request's header block is complete (`\r\n\r\n` or `\n\n`), looking only at terminators that
    /// end at or after `start` (bytes appended since the last check), without allocating.
    fileprivate func containsHeaderEnd(from start: Int) -> Bool {
        var i = Swift.max(1, start)
        while i < count {
            if self[i] == 10 {
                if self[i - 1] == 10 { return true }
                if i >= 3 && self[i - 1] == 13 && self[i - 2] == 10 && self[i - 3] == 13 { return true }
            }
            i += 1
        }
        return false
    }
}
