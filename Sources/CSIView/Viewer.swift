import CSIWire
import FlyingFox
import FlyingSocks
import Foundation
import Synchronization
public import ZMQ

/// `csiloc view`: subscribes to a csilocd position feed (`pos/v1/`, docs/protocol.md §2) and serves the live map
/// on a loopback HTTP address (docs/daemon.md, "Live map"):
///
/// - `GET /` — the page (self-contained HTML, CSS and JS: ``ViewPage``; no CDN, no build step);
/// - `GET /events` — Server-Sent Events: `state` events carrying a ``ViewSnapshot`` as JSON, at most one per
///   ``ViewLimits/updateInterval`` and only when something changed, keep-alive comments in between;
///   `GET /events?limit=N` ends the stream after N events (for headless browsers, which wait for the network
///   to go idle: the page at `/?limit=N` asks for that and then stops instead of reconnecting);
/// - `GET /state` — the current ``ViewSnapshot`` (for scripts and tests).
///
/// Threads: the ZeroMQ subscriber thread feeds ``ViewState``; one task sends updates, one scrapes the daemon's
/// `/metrics`; FlyingFox serves the connections. Everything is bounded by ``ViewLimits``.
public final class Viewer: Sendable {
    /// What to view and where to serve it.
    public struct Configuration: Sendable {
        /// The fix feed (a daemon's `output.endpoint`, or a `csiloc proxy` backend), connected to.
        var endpoint: String
        /// Subscription prefixes (default `pos/v1/`: every receiver).
        public var topics: [String] = [WireTopic.prefix(.position)]
        var listen: ViewListenAddress
        /// The map's area (nil: the fixes' bounds).
        public var area: MapArea?
        /// Bounds on what the viewer keeps.
        public var limits = ViewLimits()
        /// The daemon's metrics endpoint, scraped every ``metricsInterval``.
        public var metrics: MetricsScraper?
        var metricsInterval: Duration = .seconds(2)
        /// The subscriber's socket security (CURVE client: `--curve-*`).
        public var security: SocketSecurity = .plaintext
        /// Answer requests whatever their `Host` header (`--allow-remote`). Otherwise only the listen address,
        /// `localhost`, `127.0.0.1` and `[::1]` (with or without the port) are served; any other host gets `421`,
        /// so a page elsewhere cannot read the map through a DNS name rebound to 127.0.0.1.
        public var allowAnyHost = false

        /// A viewer of the fix feed at `endpoint`, serving on `listen`.
        public init(endpoint: String, listen: ViewListenAddress) {
            self.endpoint = endpoint
            self.listen = listen
        }
    }

    /// Largest `?limit=` of `GET /events`.
    static let maxEventLimit = 100_000

    let configuration: Configuration
    /// The viewer's state, fed by the subscriber.
    public let state: ViewState
    private let broadcaster: EventBroadcaster
    private let server: HTTPServer
    private let context: Context
    private let subscriber: Subscriber
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let boundPort = Mutex<UInt16>(0)
    /// The last encoded snapshot: its version, when it was encoded, the JSON; and the encodings so far.
    private let encoded = Mutex<(version: UInt64, at: ContinuousClock.Instant, json: Data?, count: Int)>(
        (0, .now, nil, 0))

    /// Connects the subscriber and prepares the server (``start()`` listens).
    ///
    /// - Throws: ``ViewError`` for bad limits, `ZMQError` for a bad endpoint or key.
    public init(configuration: Configuration) throws {
        try configuration.limits.validate()
        self.configuration = configuration
        let state = ViewState(limits: configuration.limits, area: configuration.area, source: configuration.endpoint)
        self.state = state
        broadcaster = EventBroadcaster(limits: configuration.limits) {
            state.setClients(current: $0, dropped: $1, refused: $2)
        }
        let listen = configuration.listen
        let address: any SocketAddress =
            listen.isIPv6
            ? try sockaddr_in6.inet6(ip6: listen.host, port: listen.port)
            : try sockaddr_in.inet(ip4: listen.host, port: listen.port)
        server = HTTPServer(
            config: HTTPServer.Configuration(
                address: address, timeout: configuration.limits.requestTimeout,
                logger: .disabled))
        let context = try Context()
        var sub = Subscriber.Configuration(endpoints: [.connect(configuration.endpoint)], topics: configuration.topics)
        sub.threadName = "csiloc-view"
        sub.maxTotalBytes = 1 << 20
        sub.receiveHighWaterMark = 10_000
        sub.security = configuration.security
        do {
            subscriber = try Subscriber(context: context, configuration: sub) { parts in
                if let fix = try? PositionFix(parts: parts) { state.ingest(fix) } else { state.countUndecodable() }
            }
        } catch {
            context.terminate()
            throw error
        }
        self.context = context
    }

    /// Listens, starts the update and metrics tasks; returns once the server accepts connections.
    ///
    /// - Throws: ``ViewError`` when the address cannot be bound (at once), or the server is not listening within
    ///   `timeout` (a starved machine).
    public func start(timeout: Duration = .seconds(60)) async throws {
        await server.appendRoute("*") { [self] request in
            // first route: turns away foreign Host headers, else passes on (FlyingFox tries the next route)
            guard
                configuration.allowAnyHost
                    || Self.isLocalHost(request.headers[.host], listen: configuration.listen, port: port)
            else {
                return HTTPResponse(
                    statusCode: HTTPStatusCode(421, phrase: "Misdirected Request"),
                    headers: [.contentType: "text/plain"],
                    body: Data(
                        "this viewer answers only to its own address (Host: \(configuration.listen.authority(port: port)))\n"
                            .utf8))
            }
            throw HTTPUnhandledError()
        }
        await server.appendRoute("GET /") { _ in
            HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .init("Cache-Control"): "no-store"],
                body: Data(ViewPage.html.utf8))
        }
        await server.appendRoute("GET /state") { [self] _ in
            guard let json = encodedSnapshot() else {
                return HTTPResponse(
                    statusCode: .internalServerError, headers: [.contentType: "text/plain"],
                    body: Data("the state could not be encoded (counted in encode_failures)\n".utf8))
            }
            return HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/json", .init("Cache-Control"): "no-store"],
                body: json)
        }
        await server.appendRoute("GET /events") { [self, broadcaster] request in
            // ?limit=N: end the stream after N events (headless browsers wait for the network to go idle)
            var limit: Int?
            if let text = request.query.first(where: { $0.name == "limit" })?.value {
                guard let n = Int(text), (1...Self.maxEventLimit).contains(n) else {
                    return HTTPResponse(
                        statusCode: .badRequest, headers: [.contentType: "text/plain"],
                        body: Data("limit must be an integer in 1...\(Self.maxEventLimit)\n".utf8))
                }
                limit = n
            }
            // the place first: a refused browser costs no snapshot
            guard let id = broadcaster.reserve() else {
                return HTTPResponse(
                    statusCode: .serviceUnavailable, headers: [.contentType: "text/plain", .init("Retry-After"): "5"],
                    body: Data("too many viewers\n".utf8))
            }
            var first = ServerSentEvent.retry
            if let json = encodedSnapshot() { first.append(ServerSentEvent.event("state", data: json)) }
            broadcaster.prepend(id, first)
            let stream = EventStream(lease: EventStream.Lease(id: id, broadcaster: broadcaster), limit: limit)
            return HTTPResponse(
                statusCode: .ok,
                headers: [
                    .contentType: "text/event-stream", .init("Cache-Control"): "no-store",
                    .init("X-Accel-Buffering"): "no",
                ],
                body: HTTPBodySequence(from: stream, suggestedBufferSize: 65_536))
        }
        let server = server
        let failure = FailureNote()
        let serving = Task { do { try await server.run() } catch { failure.set("\(error)") } }
        let deadline = ContinuousClock.now + timeout
        let authority = configuration.listen.authority(port: configuration.listen.port)
        while !(await server.isListening) {
            if let message = failure.message { throw ViewError("could not listen on \(authority): \(message)") }
            guard ContinuousClock.now < deadline else {
                serving.cancel()
                throw ViewError("could not listen on \(authority): not listening after \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        if let address = await server.listeningAddress {
            switch address {
            case .ip4(_, let port), .ip6(_, let port): boundPort.withLock { $0 = port }
            default: break
            }
        }
        var started = [serving, Task { [self] in await sendUpdates() }]
        if let scraper = configuration.metrics { started.append(Task { [self] in await scrape(scraper) }) }
        tasks.withLock { $0 += started }
    }

    /// The port the server listens on (the kernel's choice for port 0); 0 before ``start()``.
    var port: UInt16 { boundPort.withLock { $0 } }

    /// The page's URL, e.g. `http://127.0.0.1:8090/`.
    public var url: String { "http://\(configuration.listen.authority(port: port))/" }

    /// Whether `host` (a request's `Host` header) names this viewer: the listen host, `localhost`, `127.0.0.1` or
    /// `[::1]`, each bare or with `port`, case-insensitively. A missing header is refused.
    static func isLocalHost(_ host: String?, listen: ViewListenAddress, port: UInt16) -> Bool {
        guard let host = host?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        let listenHost = listen.isIPv6 ? "[\(listen.host.lowercased())]" : listen.host
        return Set([listenHost, "localhost", "127.0.0.1", "[::1]"]).contains { h in host == h || host == "\(h):\(port)"
        }
    }

    /// Sends a `state` event when the state changed, at most once per update interval; a keep-alive comment
    /// when nothing changed for the keep-alive interval.
    private func sendUpdates() async {
        let limits = configuration.limits
        var sent: UInt64 = .max
        var lastSend = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(limits.updateInterval))
            let version = state.version
            if version != sent, broadcaster.clientCount > 0, let json = encodedSnapshot() {
                broadcaster.broadcast(ServerSentEvent.event("state", data: json))
                sent = version
                lastSend = .now
            } else if ContinuousClock.now - lastSend >= .seconds(limits.keepAliveInterval) {
                broadcaster.broadcast(ServerSentEvent.keepAlive)
                lastSend = .now
            }
        }
    }

    /// The current snapshot as JSON; `nil` when it cannot be encoded — counted
    /// (``ViewSnapshot/Counters/encodeFailures``) and logged on standard error (the 1st, then every 100th).
    /// The last JSON is reused while the state's version is unchanged and it is younger than the update interval
    /// (the UEs' ages in it are that stale at most).
    func encodedSnapshot() -> Data? {
        let version = state.version
        let now = ContinuousClock.now
        let maxAge = Duration.seconds(configuration.limits.updateInterval)
        if let json = encoded.withLock({
            $0.json != nil && $0.version == version && now - $0.at < maxAge ? $0.json : nil
        }) {
            return json
        }
        do {
            let snapshot = state.snapshot(now: now)
            let json = try ViewPage.encoder.encode(snapshot)
            encoded.withLock { $0 = (snapshot.version, now, json, $0.count + 1) }
            return json
        } catch {
            let n = state.countEncodeFailure()
            if n == 1 || n % 100 == 0 {
                FileHandle.standardError.write(
                    Data("csiloc view: could not encode the state (\(n) failures so far): \(error)\n".utf8))
            }
            return nil
        }
    }

    /// Snapshots encoded so far (not counting reuses).
    var encodeCount: Int { encoded.withLock { $0.count } }

    private func scrape(_ scraper: MetricsScraper) async {
        while !Task.isCancelled {
            do {
                state.setMetrics(url: scraper.url, series: try await scraper.scrape(), error: nil)
            } catch {
                state.setMetrics(url: scraper.url, series: nil, error: "\(error)")
            }
            try? await Task.sleep(for: configuration.metricsInterval)
        }
    }

    /// Ends the streams, stops the server (waiting at most 1 s for connections), the tasks and the subscriber.
    public func stop() async {
        broadcaster.close()
        await server.stop(timeout: 1)
        for task in tasks.withLock({ $0 }) { task.cancel() }
        subscriber.stop()
        _ = subscriber.join(timeout: .seconds(5))
        context.shutdown()
        context.terminate()
    }
}

/// The server task's error, if it ended with one (read by ``Viewer/start(timeout:)`` while it waits).
private final class FailureNote: Sendable {
    private let state = Mutex<String?>(nil)
    func set(_ message: String) { state.withLock { $0 = message } }
    var message: String? { state.withLock { $0 } }
}
