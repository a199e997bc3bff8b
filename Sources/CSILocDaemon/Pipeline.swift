import CSISearch
import CSITracking
import CSIWire
import Dispatch
import Foundation
import Logging
import Synchronization
import ZMQ

/// The data path: SUB socket → decode and validate → per-UE latest-wins queue → N localizer workers → PUB.
///
/// Threads, not tasks: the receive loop blocks in libzmq and the workers block in the queue and in the
/// (CPU-bound) localizer, so each gets its own `Thread` and Swift's 2-thread cooperative pool stays free for
/// the lifecycle services. The receive thread only decodes and queues; workers localize and publish through
/// the Mutex-protected PUB socket.
///
/// Lifecycle: `init` binds/connects the output; ``start()`` starts the workers, then the subscriber;
/// ``drainAndStop()`` stops receiving, lets the workers finish every queued frame and publish its fix, then
/// closes the sockets (lingering so the last fixes leave). A new model is swapped in atomically with
/// ``swap(model:)``; frames already taken keep the model they started with.
public final class Pipeline: Sendable {
    private let configuration: DaemonConfiguration
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let rateLog: RateLimitedLog
    private let context: Context
    private let publisher: Publisher
    /// Answers the CURVE handshakes of the server sockets (`curve:` with a server role); bound before them.
    private let zap: ZAPHandler?
    private let queue: LatestWinsQueue
    private let decoder: FrameDecoder
    private let model: Mutex<ServingModel>
    private let subscriber = Mutex<Subscriber?>(nil)
    private let sequences = Mutex(SequenceTracker())
    /// Tracks per (receiver, UE) when `tracking.enabled` (a few µs per fix under the lock).
    private let tracker: Mutex<Tracker>?
    private let workersDone = DispatchGroup()
    private let workerCount: Int
    private let started = Atomic(false)
    private let receiveThreadNamed = Atomic(false)
    private let stopped = Atomic(false)
    /// Monotonic ns of the last finished frame or of the last time the pipeline was seen idle.
    private let lastProgressNs = Atomic<Int64>(monotonicNanoseconds())

    /// Most parts a message may have (protocol v1 uses 3 or 4); more is `too_many_parts`, drained and dropped
    /// part by part without a copy.
    static let maxParts = 16

    /// A dropped message of at least this many parts made libzmq allocate ≥ 64 B per part on its I/O thread;
    /// once it is drained the daemon hands that memory back to the system (`malloc_trim` through ``trimmer``, at
    /// most once a second, off the receive thread), so a burst of many-part messages does not stay in the resident set (docs/daemon.md, "Memory ceiling").
    static let trimAfterParts = 16_384

    /// Runs those trims off the receive thread, at most one a second (shared with ``MemoryReclaimService``).
    let trimmer = MemoryTrimmer()

    /// Creates the output socket (so an endpoint error surfaces here, before anything runs).
    init(configuration: DaemonConfiguration, model: ServingModel, metrics: DaemonMetrics, logger: Logger) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.model = Mutex(model)
        let rateLog = RateLimitedLog(intervalSeconds: configuration.log.rejectionIntervalSeconds)
        self.rateLog = rateLog
        queue = LatestWinsQueue(perUE: configuration.queue.perUE, maxUEs: configuration.queue.maxUEs)
        decoder = FrameDecoder(
            limits: .init(maxElements: configuration.input.maxElements),
            crcPolicy: configuration.input.requireCRC ? .require : .verifyIfPresent)
        workerCount = configuration.resolvedWorkers
        tracker = configuration.tracking.enabled ? Mutex(Tracker(configuration: configuration.tracking.tracker)) : nil
        context = try Context()
        let out = configuration.output
        var handler: ZAPHandler?
        do {
            // The ZAP handler first: a CURVE server socket refuses every client until it is bound.
            if let curve = configuration.curve, !curve.allowLists.isEmpty {
                handler = try ZAPHandler(
                    context: context, allowLists: curve.allowLists, threadName: "csilocd-zap",
                    onDecision: { [metrics, logger, rateLog] decision in
                        Self.record(decision, metrics: metrics, logger: logger, rateLog: rateLog)
                    })
            }
            publisher = try Publisher(
                context: context, bind: out.bind ? [out.endpoint] : [],
                connect: out.bind ? [] : [out.endpoint],
                sendHighWaterMark: Int32(out.sendHighWaterMark), linger: .milliseconds(out.lingerMs),
                security: configuration.curve?.outputSocketSecurity ?? .plaintext)
        } catch {
            handler?.stop()
            context.terminate()
            throw error
        }
        zap = handler
        metrics.setWorkers(workerCount)
        metrics.setGeneration(model.generation)
    }

    /// The resolved output endpoint (wildcard TCP ports resolved).
    public var outputEndpoint: String { publisher.lastEndpoint }

    /// The resolved input endpoint once started.
    public var inputEndpoint: String? { subscriber.withLock { $0?.lastEndpoint } }

    /// The model workers use for their next frame.
    package var currentModel: ServingModel { model.withLock { $0 } }

    /// Frames queued now.
    var queueDepth: Int { queue.count }

    /// Starts the workers and the receive thread. Blocks briefly while the SUB socket binds/connects.
    public func start() throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for index in 0..<workerCount {
            workersDone.enter()
            let thread = Thread { [self] in
                defer { workersDone.leave() }
                nameCurrentThread("csilocd-wrk-\(index)")
                workerLoop()
            }
            thread.name = "csilocd-wrk-\(index)"
            thread.start()
        }
        let input = configuration.input
        var subConfig = Subscriber.Configuration(
            endpoints: [input.bind ? .bind(input.endpoint) : .connect(input.endpoint)],
            topics: input.topics)
        subConfig.maxParts = Self.maxParts
        subConfig.maxTotalBytes = input.maxMessageBytes
        // A part above the whole-message limit is refused by libzmq before it is read or allocated
        // (ZMQ_MAXMSGSIZE; the peer is disconnected and reconnects), so a 1 GiB part costs nothing.
        subConfig.maxPartBytes = Int64(input.maxMessageBytes)
        subConfig.receiveHighWaterMark = Int32(input.receiveHighWaterMark)
        subConfig.threadName = "csilocd-recv"
        subConfig.security = configuration.curve?.inputSocketSecurity ?? .plaintext
        do {
            let sub = try Subscriber(
                context: context, configuration: subConfig,
                onOversized: { [self] parts, bytes in dropOversized(parts: parts, bytes: bytes) },
                onMessage: { [self] parts in ingest(parts) })
            subscriber.withLock { $0 = sub }
        } catch {
            queue.close()
            workersDone.wait()
            throw error
        }
    }

    /// Replaces the CURVE allow-lists (a reload): later handshakes use them, established connections stay.
    /// Only the domains of the server roles started with are updated.
    func updateAllowLists(_ curve: CurveSettings) {
        guard let zap else { return }
        for (domain, keys) in curve.allowLists where configuration.curve?.allowLists[domain] != nil {
            zap.setAllowList(keys, domain: domain)
        }
    }

    /// Makes `newModel` the one every following frame is localized with.
    func swap(model newModel: ServingModel) {
        model.withLock { $0 = newModel }
        metrics.setGeneration(newModel.generation)
    }

    /// Stops receiving, processes and publishes every frame already accepted, then closes the sockets.
    /// Blocking (up to one localization per worker plus the output linger): call it off the cooperative pool.
    /// Idempotent.
    func drainAndStop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let sub = subscriber.withLock({ $0 }) {
            sub.stop()
            sub.join()
        }
        let pending = queue.count
        queue.close()
        if started.load(ordering: .acquiring) { workersDone.wait() }
        logger.info("pipeline drained", metadata: ["drained_frames": .stringConvertible(pending)])
        publisher.close()
        // After the server sockets are closed (an unbound handler must never leave a CURVE socket open to all).
        zap?.stop()
        context.terminate()
    }

    /// Whether the pipeline is healthy for the watchdog: the receive thread runs, and either nothing is
    /// pending or a frame finished within `stallSeconds`.
    public func isMakingProgress(stallSeconds: Double) -> Bool {
        if let sub = subscriber.withLock({ $0 }), sub.exitReason != nil { return false }
        let now = monotonicNanoseconds()
        let snapshot = metrics.snapshot()
        if queue.count == 0, snapshot.inFlight == 0 {
            lastProgressNs.store(now, ordering: .relaxed)
            return true
        }
        return Double(now - lastProgressNs.load(ordering: .relaxed)) < stallSeconds * 1e9
    }

    // MARK: receive thread

    private func ingest(_ parts: [[UInt8]]) {
        let received = ContinuousClock.now
        if !receiveThreadNamed.exchange(true, ordering: .relaxed) { nameCurrentThread("csilocd-recv") }
        metrics.received()
        let frame: CSIFrame
        do {
            frame = try decoder.decode(parts)
        } catch {
            reject(error.reason.rawValue, error.message)
            return
        }
        metrics.decoded(seconds: seconds(since: received))
        switch sequences.withLock({ $0.observe(receiver: frame.header.receiverID, seq: frame.header.seq) }) {
        case .gap(let missing):
            metrics.sequenceGap(receiver: frame.header.receiverID, missing: Int(clamping: missing))
        case .reset:
            metrics.sequenceReset()
            // Input-driven like a rejection (a feed repeating seq 0 resets on every frame): rate-limited.
            rateLog.log(
                logger, level: .notice, key: "sequence_reset", "sequence reset (publisher restart?)",
                metadata: [
                    "receiver": .stringConvertible(frame.header.receiverID),
                    "seq": .stringConvertible(frame.header.seq),
                ])
        case .first, .inOrder, .untracked:
            break
        }
        let serving = currentModel
        guard frame.antennaCount == serving.antennaCount, frame.subcarrierCount == serving.subcarrierCount else {
            reject(
                DaemonMetrics.DaemonReason.shapeMismatch.rawValue,
                "frame is \(frame.antennaCount)×\(frame.subcarrierCount), the model serves \(serving.antennaCount)×\(serving.subcarrierCount)"
            )
            return
        }
        switch queue.put(PendingFrame(frame: frame, received: received, enqueued: .now)) {
        case .queued(let superseded, let depth):
            metrics.queued(superseded: superseded, depth: depth)
        case .dropped(let closed):
            metrics.dropped(closed ? .shuttingDown : .ueLimit)
            rateLog.log(
                logger, level: .warning, key: closed ? "shutting_down" : "ue_limit",
                "frame dropped: \(closed ? "draining" : "queue.max_ues UEs already pending")")
        }
    }

    /// Counts a message the subscriber drained without copying: too many parts, else too many bytes in all.
    private func dropOversized(parts: Int, bytes: Int) {
        metrics.received()
        if parts > Self.maxParts {
            reject(
                DaemonMetrics.DaemonReason.tooManyParts.rawValue,
                "message of \(parts) parts (\(bytes) bytes) exceeds the limit of \(Self.maxParts) parts; drained and dropped"
            )
            if parts >= Self.trimAfterParts { trimmer.request() }
        } else {
            reject(
                FrameRejection.Reason.oversized.rawValue,
                "message of \(parts) parts, \(bytes) bytes exceeds input.max_message_bytes (\(configuration.input.maxMessageBytes))"
            )
        }
    }

    /// Counts a ZAP decision; a refused client is logged (rate-limited per socket: a scanner can retry fast).
    private static func record(
        _ decision: ZAPHandler.Decision, metrics: DaemonMetrics, logger: Logger, rateLog: RateLimitedLog
    ) {
        let socket = decision.domain == CurveSettings.inputDomain ? "input" : "output"
        metrics.curveAuthentication(socket: socket, allowed: decision.allowed)
        guard !decision.allowed else { return }
        let list = socket == "input" ? "curve.input_clients" : "curve.output_clients"
        rateLog.log(
            logger, level: .warning, key: "curve_refused_\(socket)", "CURVE client refused: its key is not in \(list)",
            metadata: [
                "socket": .string(socket), "client_key": .string(decision.clientKey?.z85 ?? "none"),
                "address": .string(decision.address),
            ])
    }

    private func reject(_ reason: String, _ message: String) {
        metrics.rejected(reason)
        rateLog.log(logger, level: .warning, key: reason, "frame rejected: \(message)")
    }

    // MARK: workers

    private func workerLoop() {
        var scratch: LocalizerScratch?
        var generation = -1
        while let (item, depth) = queue.take() {
            metrics.taken(depth: depth, waited: seconds(since: item.enqueued))
            let serving = currentModel
            let frame = item.frame
            guard frame.antennaCount == serving.antennaCount, frame.subcarrierCount == serving.subcarrierCount else {
                // Queued for a model that was swapped out since.
                reject(
                    DaemonMetrics.DaemonReason.shapeMismatch.rawValue,
                    "frame is \(frame.antennaCount)×\(frame.subcarrierCount), the reloaded model serves \(serving.antennaCount)×\(serving.subcarrierCount)"
                )
                metrics.finished(localized: false)
                continue
            }
            if generation != serving.generation || scratch == nil {
                scratch = serving.localizer.makeScratch()
                generation = serving.generation
            }
            let t0 = ContinuousClock.now
            let cpu0 = threadCPUNanoseconds()
            let fix = frame.samples.withUnsafeBufferPointer {
                serving.localizer.localize(
                    complex64: $0, reportedSNRdB: Double(frame.header.snrDb), scratch: &scratch!)
            }
            metrics.localized(
                seconds: seconds(since: t0), cpuSeconds: Double(threadCPUNanoseconds() - cpu0) * 1e-9,
                stages: fix.stages, noiseSource: fix.noiseSource)
            if fix.noiseSource == .reportCapped {
                rateLog.log(
                    logger, level: .warning, key: "snr_report_capped",
                    "receiver \(frame.header.receiverID) reports snr_db \(frame.header.snrDb) dB, more noise than twice the frame's own estimate: capped (check the receiver's SNR calibration)"
                )
            }
            publish(fix, item: item, model: serving)
            metrics.finished(localized: true)
            lastProgressNs.store(monotonicNanoseconds(), ordering: .relaxed)
        }
    }

    private func publish(_ fix: Fix, item: PendingFrame, model serving: ServingModel) {
        let t0 = ContinuousClock.now
        let latencyMs = seconds(since: item.received) * 1000
        var positionFix = FixFormatter.positionFix(
            fix, frame: item.frame, model: serving, publishNs: wallClockNanoseconds(),
            latencyMs: latencyMs, includeStages: configuration.output.includeStages)
        if tracker != nil { track(&positionFix, fix: fix, item: item, dimension: serving.localizer.region.dimension) }
        do {
            try publisher.publish(positionFix.messageParts())
            metrics.published(
                status: positionFix.status.rawValue, publishSeconds: seconds(since: t0),
                totalSeconds: seconds(since: item.received))
        } catch {
            metrics.publishFailed()
            rateLog.log(logger, level: .error, key: "publish_error", "publishing a fix failed: \(error)")
        }
    }
}

extension Pipeline {
    /// Runs the fix through its UE's track (time base: `t_capture_ns`, else the monotonic receive time) and
    /// publishes the track with it (docs/daemon.md, "Tracking").
    private func track(_ positionFix: inout PositionFix, fix: Fix, item: PendingFrame, dimension: Int) {
        let now = monotonicNanoseconds()
        let received = now - Int64(seconds(since: item.received) * 1e9)
        let measurement = FixTracking.measurement(
            fix, status: positionFix.status, captureNs: item.frame.header.tCaptureNs,
            receivedMonotonicNs: received, dimension: dimension)
        let key = TrackKey(receiver: item.frame.header.receiverID, ue: item.frame.header.ueID)
        let estimate = tracker?.withLock { t in
            let e = t.process(measurement, key: key, nowNs: now)
            metrics.tracked(event: e?.event, tracks: t.count, expired: t.expiredTotal, evicted: t.evictedTotal)
            return e
        }
        FixTracking.apply(estimate, to: &positionFix)
    }
}

/// Seconds elapsed since `start` on the monotonic clock.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// `CLOCK_MONOTONIC` in ns: the clock systemd's `MONOTONIC_USEC` and the watchdog use.
func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// CPU time of the calling thread, ns (`CLOCK_THREAD_CPUTIME_ID`).
func threadCPUNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// `CLOCK_REALTIME` in ns since the Unix epoch (the wire's `t_publish_ns`).
func wallClockNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
