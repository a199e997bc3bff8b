import CSIWire
import Foundation
import Testing
import ZMQ

@testable import CSIView

/// The viewer end to end: fixes from a real ZeroMQ publisher, the page, `/state` and the SSE stream read over
/// a plain TCP socket.
@Suite(.serialized) struct ViewerIntegrationTests {
    @Test func fixesFromAPublisherReachTheEventStream() async throws {
        try await ViewerFixture.with(area: try MapArea(parsing: "-5:5,0:3")) { f in
            #expect(f.viewer.port > 0)
            let fd = try connectLoopback(port: f.viewer.port)
            defer { close(fd) }
            sendText(fd, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            let reader = Task {
                try await onThread {
                    receive(fd, until: { text in stateEvents(text).contains { $0.counters.fixes >= 20 } })
                }
            }
            try await f.publish(until: { f.viewer.state.snapshot().counters.fixes >= 25 })
            let stream = try await reader.value
            #expect(stream.hasPrefix("HTTP/1.1 200"))
            #expect(stream.lowercased().contains("content-type: text/event-stream"))
            #expect(stream.contains("retry: 2000"))
            let events = stateEvents(stream)
            #expect(events.first?.counters.clients == 0 || events.first?.counters.clients == 1)
            let last = try #require(events.last)
            #expect(last.counters.fixes >= 20)
            #expect(last.area?.source == "region")
            let ue = try #require(last.ues.first)
            #expect(ue.receiver == 1 && ue.ue == 7 && ue.status == "ok" && ue.ellipse != nil && ue.track != nil)
            // what was published, within the JSON's shortest round-trip text
            let k = Int(ue.seq)
            #expect(abs(ue.x! - (-4 + 0.1 * Double(k % 80) + 0.01)) < 1e-12)
            #expect(last.errors?.medianM == 0.01)
            #expect(last.counters.clients == 1)
            // versions never go back (the first update may repeat the version of the snapshot sent on connecting)
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.version <= $1.version })
        }
    }

    @Test func servesThePageAndTheStateAndRefusesClientsBeyondTheCap() async throws {
        var limits = ViewLimits()
        limits.maxClients = 1
        try await ViewerFixture.with(limits: limits) { f in
            let page = try await get(f.viewer.port, "/")
            #expect(page.hasPrefix("HTTP/1.1 200"))
            #expect(page.contains("<canvas id=\"map\">") && page.contains("new EventSource("))
            #expect(!page.contains("http://") && !page.contains("https://")) // nothing fetched from elsewhere
            let state = try await get(f.viewer.port, "/state")
            #expect(state.contains("\"counters\":{"))
            // the one allowed stream, then a second one: 503
            let first = try connectLoopback(port: f.viewer.port)
            defer { close(first) }
            sendText(first, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            _ = try await onThread { receive(first) { $0.contains("event: state") } }
            let refused = try await get(f.viewer.port, "/events")
            #expect(refused.hasPrefix("HTTP/1.1 503"))
            #expect(try await get(f.viewer.port, "/nothing").hasPrefix("HTTP/1.1 404"))
            #expect(try await get(f.viewer.port, "/events?limit=0").hasPrefix("HTTP/1.1 400"))
            #expect(f.viewer.state.snapshot().counters.clientsRefused == 1)
        }
    }

    @Test func aClosedStreamFreesItsPlace() async throws {
        var limits = ViewLimits()
        limits.maxClients = 1
        limits.keepAliveInterval = 0.1
        try await ViewerFixture.with(limits: limits) { f in
            let fd = try connectLoopback(port: f.viewer.port)
            sendText(fd, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            _ = try await onThread { receive(fd) { $0.contains("event: state") } }
            close(fd)
            // the keep-alive write fails, the response is released, the client removed
            let deadline = ContinuousClock.now + .seconds(60)
            while f.viewer.state.snapshot().counters.clients > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(f.viewer.state.snapshot().counters.clients == 0)
            let again = try connectLoopback(port: f.viewer.port)
            defer { close(again) }
            sendText(again, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try await onThread { receive(again) { $0.contains("event: state") } }.hasPrefix("HTTP/1.1 200"))
        }
    }

    /// GET with `Connection: close`, everything until EOF.
    @Test func refusedStreamsCostNoSnapshotAndAnUnchangedOneIsReused() async throws {
        var limits = ViewLimits()
        limits.maxClients = 1
        limits.updateInterval = 60 // no update in between: every encoding below is a request's
        try await ViewerFixture.with(limits: limits) { f in
            let first = try connectLoopback(port: f.viewer.port)
            defer { close(first) }
            sendText(first, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            _ = try await onThread { receive(first) { $0.contains("event: state") } }
            let n = f.viewer.encodeCount
            for _ in 0..<3 { #expect(try await get(f.viewer.port, "/events").hasPrefix("HTTP/1.1 503")) }
            #expect(f.viewer.encodeCount == n)
            let a = try await get(f.viewer.port, "/state")
            let b = try await get(f.viewer.port, "/state")
            #expect(f.viewer.encodeCount == n + 1)
            #expect(a.split(separator: "\r\n\r\n").last == b.split(separator: "\r\n\r\n").last)
        }
    }

    @Test func foreignHostHeadersAreRefused() async throws {
        try await ViewerFixture.with { f in
            let port = f.viewer.port
            // DNS rebinding: a name of the attacker's that resolves to 127.0.0.1
            for host in ["evil.example", "evil.example:\(port)", "127.0.0.1.evil.example", "localhost:1", ""] {
                for path in ["/", "/state", "/events", "/nothing"] {
                    let answer = try await get(port, path, host: host)
                    #expect(answer.hasPrefix("HTTP/1.1 421"), "Host: \(host) \(path)")
                }
            }
            for host in ["127.0.0.1:\(port)", "127.0.0.1", "localhost:\(port)", "LocalHost", "[::1]:\(port)"] {
                let answer = try await get(port, "/state", host: host)
                #expect(answer.hasPrefix("HTTP/1.1 200"), "Host: \(host)")
            }
            #expect(try await get(port, "/nothing").hasPrefix("HTTP/1.1 404"))
        }
        let listen = try ViewListenAddress(parsing: "[::1]:0")
        #expect(Viewer.isLocalHost("[::1]:8090", listen: listen, port: 8090))
        #expect(!Viewer.isLocalHost(nil, listen: listen, port: 8090))
        #expect(!Viewer.isLocalHost("[::1]:8091", listen: listen, port: 8090))
    }

    func get(_ port: UInt16, _ path: String, host: String = "127.0.0.1") async throws -> String {
        try await onThread {
            let fd = try connectLoopback(port: port, receiveTimeout: 30)
            defer { close(fd) }
            sendText(fd, "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
            return receive(fd) { _ in false }
        }
    }

    @Test func aLimitedStreamEndsAfterItsEvents() async throws {
        var limits = ViewLimits()
        limits.updateInterval = 0.05
        try await ViewerFixture.with(limits: limits) { f in
            let publishing = Task { try await f.publish(until: { Task.isCancelled }) }
            defer { publishing.cancel() }
            // the whole response, up to the chunked terminator; the stream ended by itself (EOF within the timeout)
            let stream = try await onThread {
                let fd = try connectLoopback(port: f.viewer.port, receiveTimeout: 30)
                defer { close(fd) }
                sendText(fd, "GET /events?limit=3 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                return receive(fd) { $0.hasSuffix("\r\n0\r\n\r\n") }
            }
            #expect(stream.hasSuffix("\r\n0\r\n\r\n"))
            #expect(stateEvents(stream).count == 3)
            let deadline = ContinuousClock.now + .seconds(60)
            while f.viewer.state.snapshot().counters.clients > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(f.viewer.state.snapshot().counters.clients == 0)
        }
    }

    @Test func aBusyPortIsReportedAtOnce() async throws {
        try await ViewerFixture.with { f in
            var config = Viewer.Configuration(
                endpoint: f.publisher.lastEndpoint,
                listen: try ViewListenAddress(parsing: "127.0.0.1:\(f.viewer.port)"))
            config.limits = ViewLimits()
            let second = try Viewer(configuration: config)
            let t0 = ContinuousClock.now
            await #expect(throws: ViewError.self) { try await second.start() }
            #expect(ContinuousClock.now - t0 < .seconds(30)) // the bind error, not the 60 s wait
            await second.stop()
        }
    }
}
