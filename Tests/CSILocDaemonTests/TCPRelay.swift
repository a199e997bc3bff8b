import Foundation
import Glibc
import Synchronization

/// A loopback TCP relay that records every byte it forwards, both directions: put it between a ZeroMQ peer and
/// the daemon to see what travels on the wire. One thread multiplexes the listening socket and every
/// connection pair with `poll(2)`.
final class TCPRelay: Sendable {
    /// Where peers connect: `tcp://127.0.0.1:<port>`.
    let endpoint: String
    private let listener: Int32
    private let targetPort: UInt16
    private let captured = Mutex<[UInt8]>([])
    private let stopRequested = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on an ephemeral loopback port and forwards each connection to `target` (`tcp://127.0.0.1:PORT`).
    init(target: String) throws {
        guard let portText = target.split(separator: ":").last, let port = UInt16(portText) else {
            throw RelayError(message: "not a tcp://host:port endpoint: \(target)")
        }
        targetPort = port
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard listener >= 0, bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw RelayError(message: "cannot listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        endpoint = "tcp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        self.listener = listener
        Thread { [self] in run() }.start()
    }

    struct RelayError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Every byte forwarded so far, both directions interleaved in arrival order.
    var bytes: [UInt8] { captured.withLock { $0 } }

    /// Whether the forwarded bytes contain `text` (UTF-8).
    func sawText(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        let haystack = bytes
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }

    /// Closes everything and waits for the thread.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        finished.wait()
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private func run() {
        var peers: [Int32: Int32] = [:] // fd → the fd its bytes go to
        defer {
            for fd in peers.keys { close(fd) }
            close(listener)
            finished.signal()
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopRequested.load(ordering: .acquiring) {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            fds += peers.keys.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 50) > 0 else { continue }
            if fds[0].revents & Int16(POLLIN) != 0 { accept(into: &peers) }
            for item in fds.dropFirst() where item.revents != 0 {
                guard let peer = peers[item.fd] else { continue }
                let n = buffer.withUnsafeMutableBytes { read(item.fd, $0.baseAddress, $0.count) }
                guard n > 0, forward(buffer, count: n, to: peer) else {
                    close(item.fd)
                    close(peer)
                    peers[item.fd] = nil
                    peers[peer] = nil
                    continue
                }
                captured.withLock { $0 += buffer[..<n] }
            }
        }
    }

    private func accept(into peers: inout [Int32: Int32]) {
        let client = Glibc.accept(listener, nil, nil)
        guard client >= 0 else { return }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: targetPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard upstream >= 0, connected == 0 else {
            close(client)
            if upstream >= 0 { close(upstream) }
            return
        }
        peers[client] = upstream
        peers[upstream] = client
    }

    private func forward(_ buffer: [UInt8], count: Int, to fd: Int32) -> Bool {
        var sent = 0
        while sent < count {
            let n = buffer.withUnsafeBytes { send(fd, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
