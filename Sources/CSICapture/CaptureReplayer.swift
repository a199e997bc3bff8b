public import CSIWire
import Foundation
public import ZMQ

/// Re-publishes a `*.csicap` capture on a ZeroMQ socket, paced by the recorded receive times: the engine of
/// `csiloc replay`, meant to be reused by the demo and by daemon tests.
///
/// Every record's parts are sent **verbatim** (headers, `t_publish_ns` and CRCs included), so recording a
/// replay gives byte-identical message parts. The socket is an XPUB, which behaves exactly like PUB for
/// subscribers but also tells the replayer when a subscription arrives: before the first record the
/// replayer waits up to ``Configuration/waitForSubscribers`` for one (the PUB/SUB "slow joiner": a
/// message published before a subscriber's subscription reached the publisher is silently lost), then
/// starts the schedule of ``ReplayPacer``.
///
/// ``run(stop:progress:)`` is blocking (it sleeps between records): call it from a dedicated thread
/// (``DedicatedThread/run(name:_:)``), never from a Swift task. The file is read as a stream (memory is one
/// record), reopened for each pass of a loop. Damage in the file is skipped by `CaptureReader` and reported
/// in the result; it never stops the replay.
public final class CaptureReplayer {
    /// What to replay, where and how fast.
    public struct Configuration: Sendable {
        /// The capture file.
        public var path: String
        /// Endpoint to bind (default) or connect to.
        public var endpoint: String
        /// Connect instead of binding (to reach a SUB socket that binds).
        public var connect = false
        /// Pace.
        public var speed = ReplaySpeed.realTime
        /// Replay the file again and again until stopped (or ``passes`` is reached).
        public var loop = false
        /// With ``loop``: stop after this many passes (`nil` = until stopped).
        public var passes: Int?
        /// Only records whose first part (topic) starts with this prefix are sent.
        public var topicPrefix = ""
        /// Longest wait for a first subscription before sending anyway (`.zero`: do not wait).
        public var waitForSubscribers: Duration = .seconds(1)
        /// `ZMQ_SNDHWM` per subscriber: beyond this backlog (e.g. at ``ReplaySpeed/maximum`` with a slow
        /// subscriber) messages are dropped, as PUB does.
        var sendHighWaterMark: Int32 = 100_000
        /// How long closing the socket may keep delivering the messages still queued.
        var linger: Duration = .seconds(2)

        /// Plaintext, or CURVE: a client when connecting (pins the server's key), a server when binding (a ZAP
        /// handler runs in the context while the socket is open and lets ``allowedClients`` in).
        public var security: SocketSecurity = .plaintext
        /// With a CURVE server ``security``: the client public keys let in.
        public var allowedClients: Set<CurveKey> = []

        /// Creates a configuration.
        public init(path: String, endpoint: String) {
            self.path = path
            self.endpoint = endpoint
        }
    }

    /// Counters, reported periodically while replaying and once at the end.
    public struct Progress: Sendable {
        /// Records sent.
        public var sent = 0
        /// Records skipped by the topic filter.
        public var filtered = 0
        /// Passes started.
        public var passes = 0
        /// Whether a subscription was seen before the first record was sent.
        public var subscriberSeen = false
        /// Time since the replay started (after the wait for subscribers).
        public var elapsed: Duration = .zero
        /// What the reader found in the last completed pass (damage is the same in every pass).
        public var report = CaptureReadReport()
        /// The capture's metadata, when its header is intact.
        public var metadata: CaptureMetadata?
    }

    /// Largest file a looped replay keeps in memory after the first pass.
    static let loopCacheBytes = 64 << 20

    private let configuration: Configuration
    private let context: Context
    private var progress = Progress()

    /// Creates a replayer; nothing is opened until ``run(stop:progress:)``.
    public init(configuration: Configuration, context: Context) {
        self.configuration = configuration
        self.context = context
    }

    /// Replays until the file (or the requested passes) is done or `stop` is requested; returns the final
    /// counters. Blocking: call it from a dedicated thread.
    ///
    /// - Parameter progress: called on this thread about every `progressInterval`.
    public func run(
        stop: StopFlag = StopFlag(),
        progressInterval: Duration = .seconds(1),
        progress report: (Progress) -> Void = { _ in }
    ) throws -> Progress {
        // Open the file first so that a missing file fails before any socket exists.
        var reader = try CaptureReader(path: configuration.path)
        progress.metadata = reader.metadata
        let zap = try ZAPHandler.serving(
            configuration.security, clients: configuration.allowedClients, context: context)
        defer { zap?.stop() } // after the socket is closed (defers run in reverse)
        let socket = try makeSocket()
        defer { socket.close() }
        progress.subscriberSeen = try waitForSubscription(socket, stop: stop)

        let clock = ContinuousClock()
        let start = clock.now
        var lastReport = start
        var pacer = ReplayPacer(speed: configuration.speed)
        let prefix = Array(configuration.topicPrefix.utf8)
        // A looped replay keeps a small capture in memory after the first pass instead of re-reading it.
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: configuration.path)[.size] as? Int) ?? .max
        var cache: [CaptureRecord]? = configuration.loop && fileSize <= Self.loopCacheBytes ? [] : nil
        var cached: IndexingIterator<[CaptureRecord]>?
        func nextRecord() throws(CaptureError) -> CaptureRecord? {
            if cached != nil { return cached!.next() }
            let record = try reader.next()
            if let record { cache?.append(record) }
            return record
        }
        passes: while !stop.isRequested {
            progress.passes += 1
            var sentThisPass = 0
            while let record = try nextRecord() {
                guard record.parts.first.map({ $0.starts(with: prefix) }) == true else {
                    progress.filtered += 1
                    continue
                }
                let due = start + pacer.due(forRecordAt: record.tRecvNs)
                guard try sleep(until: due, socket: socket, stop: stop, clock: clock) else { break passes }
                try socket.send(parts: record.parts, dontWait: true)
                progress.sent += 1
                sentThisPass += 1
                if clock.now - lastReport >= progressInterval {
                    lastReport = clock.now
                    progress.elapsed = clock.now - start
                    progress.report = reader.report
                    report(progress)
                }
            }
            progress.report = reader.report
            let more =
                configuration.loop && sentThisPass > 0
                && configuration.passes.map { progress.passes < $0 } ?? true
            guard more else { break }
            pacer.startNextPass()
            if let cache {
                cached = cache.makeIterator()
            } else {
                reader = try CaptureReader(path: configuration.path)
            }
        }
        progress.elapsed = clock.now - start
        return progress
    }

    // MARK: - Internals

    private func makeSocket() throws(ZMQError) -> Socket {
        let socket = try Socket(context: context, kind: .xpub)
        try socket.setSecurity(configuration.security)
        try socket.setSendHighWaterMark(configuration.sendHighWaterMark)
        try socket.setLinger(configuration.linger)
        if configuration.connect {
            try socket.connect(configuration.endpoint)
        } else {
            try socket.bind(configuration.endpoint)
        }
        return socket
    }

    /// Waits until a subscription message arrives (returns `true`), the configured wait passes or a stop is
    /// requested (returns `false`).
    private func waitForSubscription(_ socket: Socket, stop: StopFlag) throws(ZMQError) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.waitForSubscribers
        while !stop.isRequested {
            let remaining = deadline - clock.now
            guard remaining > .zero else { return false }
            let ready = try socket.poll(.readable, timeout: min(remaining, .milliseconds(100)))
            if ready.contains(.readable), try drainSubscriptions(socket) { return true }
        }
        return false
    }

    /// Reads every queued (un)subscription message; returns whether one was a subscription.
    @discardableResult
    private func drainSubscriptions(_ socket: Socket) throws(ZMQError) -> Bool {
        var subscribed = false
        while let message = try socket.tryReceiveMultipart(maxParts: 4, maxTotalBytes: 64 << 10) {
            if let first = message.parts?.first?.first, first == 1 { subscribed = true }
        }
        return subscribed
    }

    /// Sleeps until `due` in slices of at most 50 ms, draining subscription messages and honouring `stop`.
    /// Returns `false` when stopped.
    private func sleep(
        until due: ContinuousClock.Instant, socket: Socket, stop: StopFlag, clock: ContinuousClock
    ) throws(ZMQError) -> Bool {
        while true {
            if stop.isRequested { return false }
            let remaining = due - clock.now
            guard remaining > .zero else { return true }
            // Waiting on the socket doubles as the sleep and keeps the XPUB's inbound queue empty.
            let ready = try socket.poll(.readable, timeout: min(remaining, .milliseconds(50)))
            if ready.contains(.readable) { try drainSubscriptions(socket) }
        }
    }
}
