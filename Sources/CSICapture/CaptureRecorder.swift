public import CSIWire
import Foundation
public import ZMQ

/// Records a live ZeroMQ feed (CSI frames or position fixes) into a `*.csicap` capture file: the engine of
/// `csiloc record`.
///
/// ``run(stop:progress:)`` is a blocking loop: it creates its SUB socket, polls it in bounded waits (so a
/// ``StopFlag``, the duration and the count are honoured within ~100 ms), appends every message with its
/// `CLOCK_REALTIME` receive time, and closes (flush + fsync) the file when it ends. Call it from a dedicated
/// thread (``DedicatedThread/run(name:_:)``), never from a Swift task: the socket lives and dies on that
/// thread.
///
/// **Kind.** A capture holds one kind of message. When the subscription prefix starts with `csi/` or `pos/`
/// that decides the kind; otherwise the first message with a v1 topic (`csi/v1/…` or `pos/v1/…`) does, and
/// the file is created at that moment (so the metadata's `kind` is right). Messages of the other kind, or
/// with a topic that is not v1, are skipped and counted. A run that receives nothing still leaves a valid,
/// empty capture.
///
/// **Durability.** Records are handed to the kernel one by one (`FlushPolicy(everyRecords: 1)`): a crash
/// or `kill -9` loses at most the record being written, which readers see as a torn final record.
public final class CaptureRecorder {
    /// What to record and when to stop.
    public struct Configuration: Sendable {
        /// ZeroMQ endpoint of the feed, e.g. `tcp://gnb1:5556`.
        public var endpoint: String
        /// Output file.
        public var path: String
        /// Bind the SUB socket (for publishers that connect) instead of connecting.
        public var bind = false
        /// Subscription prefix (`""` = everything, `csi/v1/`, `pos/v1/3/`, …).
        public var topicPrefix = ""
        /// Stop after this long (measured from the start of ``CaptureRecorder/run(stop:progress:)``).
        public var duration: Duration?
        /// Stop after this many records.
        public var count: Int?
        /// Replace an existing file.
        public var overwrite = false
        /// `ZMQ_RCVHWM`: messages queued in libzmq before the publisher drops for us.
        var receiveHighWaterMark: Int32 = 100_000
        /// Largest message kept (bigger ones are drained, counted and skipped).
        var maxMessageBytes = 64 << 20
        /// Metadata `tool` and `tool_version`.
        package var tool = "csiloc record"
        /// Metadata `tool_version`: the version of the recording tool (empty: not recorded).
        public var toolVersion = ""

        /// Plaintext, or CURVE: a client when connecting (pins the server's key), a server when binding (a ZAP
        /// handler runs in the context while the socket is open and lets ``allowedClients`` in).
        public var security: SocketSecurity = .plaintext
        /// With a CURVE server ``security``: the client public keys let in.
        public var allowedClients: Set<CurveKey> = []

        /// Creates a configuration.
        public init(endpoint: String, path: String) {
            self.endpoint = endpoint
            self.path = path
        }
    }

    /// Counters, reported periodically while recording and once at the end.
    public struct Progress: Sendable, Hashable {
        /// Records written.
        public var records = 0
        /// Bytes written (file header included).
        public var bytes: Int64 = 0
        /// Messages skipped: another kind than the capture's, or not a v1 topic.
        public var skipped = 0
        /// Messages dropped for exceeding the size limits.
        public var oversized = 0
        /// Time since recording started.
        public var elapsed: Duration = .zero
        /// The capture's kind, once known.
        public var kind: CaptureMetadata.Kind?
    }

    private let configuration: Configuration
    private let context: Context
    private var writer: CaptureWriter?
    private var progress = Progress()

    /// Creates a recorder; nothing is opened until ``run(stop:progress:)``.
    public init(configuration: Configuration, context: Context) {
        self.configuration = configuration
        self.context = context
    }

    /// The kind implied by a subscription prefix, if any.
    public static func kind(forPrefix prefix: String) -> CaptureMetadata.Kind? {
        if prefix.hasPrefix("csi/") { return .csi }
        if prefix.hasPrefix("pos/") { return .positions }
        return nil
    }

    /// The kind of a message from its topic part, or `nil` when it is not a v1 topic.
    public static func kind(ofTopic topic: [UInt8]) -> CaptureMetadata.Kind? {
        switch WireTopic(parsing: topic)?.kind {
        case .csi: .csi
        case .position: .positions
        case nil: nil
        }
    }

    /// Records until `stop` is requested, the duration passes or the count is reached; then closes the file
    /// (flush + fsync) and returns the final counters. Blocking: call it from a dedicated thread.
    ///
    /// - Parameter progress: called on this thread about every `progressInterval` with the counters.
    public func run(
        stop: StopFlag = StopFlag(),
        progressInterval: Duration = .seconds(1),
        progress report: (Progress) -> Void = { _ in }
    ) throws -> Progress {
        if !configuration.overwrite, FileManager.default.fileExists(atPath: configuration.path) {
            throw CaptureError.open(path: configuration.path, errno: EEXIST)
        }
        let zap = try ZAPHandler.serving(
            configuration.security, clients: configuration.allowedClients, context: context)
        defer { zap?.stop() } // after the socket is closed (defers run in reverse)
        let socket = try makeSocket()
        defer { socket.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = configuration.duration.map { start + $0 }
        var lastReport = start
        progress.kind = Self.kind(forPrefix: configuration.topicPrefix)
        do {
            receiving: while !stop.isRequested {
                if let count = configuration.count, progress.records >= count { break }
                var wait = Duration.milliseconds(100)
                if let deadline {
                    let remaining = deadline - clock.now
                    if remaining <= .zero { break }
                    wait = min(wait, remaining)
                }
                let ready = try socket.poll(.readable, timeout: wait)
                if ready.contains(.readable) {
                    while let received = try socket.tryReceiveMultipart(
                        maxParts: Int(UInt16.max), maxTotalBytes: configuration.maxMessageBytes)
                    {
                        let tRecvNs = WallClock.nowNs()
                        guard let parts = received.parts else {
                            progress.oversized += 1
                            continue
                        }
                        try accept(parts, tRecvNs: tRecvNs)
                        if let count = configuration.count, progress.records >= count { break receiving }
                        if stop.isRequested { break receiving }
                    }
                }
                if clock.now - lastReport >= progressInterval {
                    lastReport = clock.now
                    progress.elapsed = clock.now - start
                    report(progress)
                }
            }
        } catch let error as ZMQError where error.isTerminated {
            // Context shut down by the owner: finish like a stop request.
        }
        try finish()
        progress.elapsed = clock.now - start
        return progress
    }

    // MARK: - Internals

    private func makeSocket() throws(ZMQError) -> Socket {
        let socket = try Socket(context: context, kind: .sub)
        try socket.setSecurity(configuration.security)
        try socket.setReceiveHighWaterMark(configuration.receiveHighWaterMark)
        try socket.setReconnectInterval(.milliseconds(100))
        try socket.subscribe(configuration.topicPrefix)
        if configuration.bind {
            try socket.bind(configuration.endpoint)
        } else {
            try socket.connect(configuration.endpoint)
        }
        return socket
    }

    /// Appends one message if it belongs in this capture, creating the file on the first one.
    private func accept(_ parts: [[UInt8]], tRecvNs: Int64) throws {
        guard let topic = parts.first, let messageKind = Self.kind(ofTopic: topic) else {
            progress.skipped += 1
            return
        }
        if let kind = progress.kind, kind != messageKind {
            progress.skipped += 1
            return
        }
        let writer = try openWriter(kind: messageKind)
        try writer.append(parts: parts, tRecvNs: tRecvNs)
        progress.records = writer.recordsWritten
        progress.bytes = writer.bytesWritten
    }

    private func openWriter(kind: CaptureMetadata.Kind) throws(CaptureError) -> CaptureWriter {
        if let writer { return writer }
        let metadata = CaptureMetadata(
            tool: configuration.tool, toolVersion: configuration.toolVersion,
            sourceEndpoint: configuration.endpoint, topicPrefix: configuration.topicPrefix, kind: kind)
        let created = try CaptureWriter(
            path: configuration.path, metadata: metadata, flushPolicy: .init(everyRecords: 1),
            overwrite: configuration.overwrite)
        writer = created
        progress.kind = kind
        progress.bytes = created.bytesWritten
        return created
    }

    /// Closes the file, creating an empty capture when nothing was recorded.
    private func finish() throws(CaptureError) {
        let writer = try openWriter(kind: progress.kind ?? .csi)
        try writer.close()
        progress.bytes = writer.bytesWritten
    }
}
