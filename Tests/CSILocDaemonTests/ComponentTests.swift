import CSIWire
import Foundation
import Logging
import Synchronization
import Testing

@testable import CSILocDaemon

/// The pieces in isolation: queue policy, sequence accounting, addresses, the HTTP endpoint, log lines.
struct ComponentTests {
    static func pending(_ ue: UInt32, seq: UInt64, receiver: UInt32 = 1) -> PendingFrame {
        let frame = CSIFrame(
            seq: seq, receiverID: receiver, ueID: ue, antennaCount: 1, subcarrierCount: 1, samples: [0, 0])
        return PendingFrame(frame: frame, received: .now, enqueued: .now)
    }

    @Test func latestWinsQueuePolicy() {
        let q = LatestWinsQueue(perUE: 2, maxUEs: 2)
        func depth(_ frames: Int, _ version: UInt64) -> QueueDepth { QueueDepth(frames: frames, version: version) }
        #expect(q.put(Self.pending(1, seq: 0)) == .queued(superseded: 0, depth: depth(1, 1)))
        #expect(q.put(Self.pending(1, seq: 1)) == .queued(superseded: 0, depth: depth(2, 2)))
        #expect(q.put(Self.pending(1, seq: 2)) == .queued(superseded: 1, depth: depth(2, 3))) // seq 0 superseded
        #expect(q.put(Self.pending(2, seq: 3)) == .queued(superseded: 0, depth: depth(3, 4)))
        #expect(q.put(Self.pending(3, seq: 4)) == .dropped(closed: false)) // third UE: max_ues
        // Round-robin across UEs, oldest kept frame of a UE first.
        #expect(q.take()?.item.frame.header.seq == 1)
        #expect(q.take()?.item.frame.header.seq == 3)
        let last = q.take()
        #expect(last?.item.frame.header.seq == 2 && last?.depth == depth(0, 7))
        #expect(q.count == 0 && q.pendingUEs == 0)
        #expect(q.put(Self.pending(1, seq: 5)) == .queued(superseded: 0, depth: depth(1, 8)))
        q.close()
        #expect(q.put(Self.pending(1, seq: 6)) == .dropped(closed: true))
        #expect(q.take()?.item.frame.header.seq == 5) // drained after close
        #expect(q.take() == nil)
    }

    /// The receive thread and a worker report the depth outside the queue's lock; a report that arrives late
    /// (the soak caught `csilocd_queue_depth` stuck at 1 on an empty queue) must not overwrite a newer one.
    @Test func aLateQueueDepthReportDoesNotWin() {
        let metrics = DaemonMetrics()
        metrics.queued(superseded: 0, depth: QueueDepth(frames: 1, version: 1))
        metrics.taken(depth: QueueDepth(frames: 0, version: 3), waited: 0) // put (2) and take (3) raced:
        metrics.queued(superseded: 0, depth: QueueDepth(frames: 1, version: 2)) // the put's report comes last
        #expect(metrics.snapshot().queued == 0)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("csilocd_queue_depth 0"))
        metrics.queued(superseded: 0, depth: QueueDepth(frames: 1, version: 4))
        #expect(metrics.snapshot().queued == 1)
    }

    @Test func queueWakesBlockedWorkersOnClose() async throws {
        let q = LatestWinsQueue(perUE: 1, maxUEs: 4)
        let result = try await onThread { () -> Bool in
            let done = DispatchSemaphore(value: 0)
            Thread {
                _ = q.take(); done.signal()
            }.start()
            usleep(50_000)
            q.close()
            return done.wait(timeout: .now() + 2) == .success
        }
        #expect(result)
    }

    @Test func sequenceTracker() {
        var t = SequenceTracker(capacity: 2)
        #expect(t.observe(receiver: 1, seq: 10) == .first)
        #expect(t.observe(receiver: 1, seq: 11) == .inOrder)
        #expect(t.observe(receiver: 1, seq: 15) == .gap(missing: 3))
        #expect(t.observe(receiver: 1, seq: 2) == .reset)
        #expect(t.observe(receiver: 2, seq: 0) == .first)
        #expect(t.observe(receiver: 3, seq: 0) == .untracked)
    }

    @Test func listenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:9464")?.port == 9464)
        #expect(ListenAddress(parsing: "[::1]:0")?.isIPv6 == true)
        for bad in ["localhost:9464", "127.0.0.1", "127.0.0.1:70000", "[::1]9464", "1.2.3:80", ":80"] {
            #expect(ListenAddress(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func metricsEndpoint() async throws {
        let metrics = DaemonMetrics()
        metrics.received()
        metrics.rejected("crc_mismatch")
        let healthy = Atomic(true)
        let server = try MetricsHTTPServer(
            address: ListenAddress(parsing: "127.0.0.1:0")!,
            exposition: { metrics.exposition() }, health: { healthy.load(ordering: .relaxed) })
        defer { server.stop() }
        let port = server.port
        let (body, health, missing, unhealthy) = try await onThread {
            let body = try httpGet(port: port, path: "/metrics")
            let health = try httpGet(port: port, path: "/healthz")
            let missing = try httpGet(port: port, path: "/nope")
            healthy.store(false, ordering: .relaxed)
            let unhealthy = try httpGet(port: port, path: "/healthz")
            return (body, health, missing, unhealthy)
        }
        #expect(body.hasPrefix("HTTP/1.0 200"))
        #expect(body.contains("csilocd_frames_received_total 1"))
        #expect(body.contains("csilocd_frames_rejected_total{reason=\"crc_mismatch\"} 1"))
        #expect(body.contains("csilocd_frames_rejected_total{reason=\"bad_magic\"} 0"))
        #expect(health.hasPrefix("HTTP/1.0 200") && health.hasSuffix("ok\n"))
        #expect(missing.hasPrefix("HTTP/1.0 404"))
        #expect(unhealthy.hasPrefix("HTTP/1.0 503"))
        // Port in use → a clear error.
        #expect(throws: (any Error).self) {
            _ = try MetricsHTTPServer(
                address: ListenAddress(parsing: "127.0.0.1:\(port)")!, exposition: { [] }, health: { true })
        }
    }

    @Test func logLines() {
        let t = Date(timeIntervalSince1970: 0)
        let logfmt = LineLogHandler.render(
            format: .logfmt, time: t, level: .warning, label: "csilocd",
            message: "frame rejected: bad", metadata: ["reason": "crc_mismatch", "n": "3"])
        #expect(logfmt.contains("level=warning logger=csilocd msg=\"frame rejected: bad\" n=3 reason=crc_mismatch"))
        let json = LineLogHandler.render(
            format: .json, time: t, level: .info, label: "csilocd", message: "a \"q\"\n",
            metadata: ["k": "v"])
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(object?["msg"] == "a \"q\"\n" && object?["k"] == "v" && object?["level"] == "info")
    }
}

/// A blocking HTTP/1.0 GET on loopback; returns the raw response.
func httpGet(port: UInt16, path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var sa = sockaddr_in()
    sa.sin_family = sa_family_t(AF_INET)
    sa.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
    let ok = withUnsafePointer(to: &sa) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard ok == 0 else { throw POSIXError(.ECONNREFUSED) }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: x\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[0..<n]
    }
    return String(decoding: response, as: UTF8.self)
}
