import CSILocDaemon
import CSIWire
import Foundation
import ZMQ

/// One soak (``SoakBenchmark``): the capacity measurement, the paced overload with the malformed mix, the publisher
/// restart, the stalled subscriber, RSS samples, the drain, the accounting. Runs on the calling thread, which owns
/// the publisher and the stalled subscriber's socket.
struct SoakRun {
    let request: SoakBenchmark.Request
    let harness: DaemonHarness
    let input: String
    let frames: [EncodedFrame]
    let malformed: [(kind: SoakBenchmark.MalformedKind, parts: [[UInt8]])]
    let live: LiveSink

    /// The publisher's send high-water mark: beyond it, ZeroMQ drops at the publisher (seen as sequence gaps).
    static let feedHighWaterMark: Int32 = 1000

    private func connectPublisher() throws -> Publisher {
        try Publisher(
            context: harness.context, connect: [input], sendHighWaterMark: Self.feedHighWaterMark, linger: .zero)
    }

    private func validParts(seq: UInt64) -> [[UInt8]] {
        frames[Int(seq % UInt64(frames.count))].parts(
            seq: seq, receiverID: SoakBenchmark.validReceiver,
            ueID: UInt32(seq % UInt64(SoakBenchmark.ues)))
    }

    mutating func execute(scene: String, shape: [Int], progress: (String) -> Void) throws -> SoakReport {
        var publisher = try connectPublisher()
        var seq: UInt64 = 0
        // Until the new connection carries frames (a PUB drops before the subscription reaches it).
        let joined = live.count
        while live.count == joined {
            try publisher.publish(validParts(seq: seq))
            seq += 1
            usleep(20_000)
            if seq > 1000 { throw DaemonHarness.HarnessError(message: "no fix for the soak's publisher within 20 s") }
        }
        let capacity = try measureCapacity(publisher, seq: &seq)
        let rate = request.overload * capacity
        progress(
            String(
                format:
                    "bench soak: capacity %.0f frames/s (closed loop, %d frames); offering %d messages at %.0f/s (%.1f×), 1 in %d malformed",
                capacity, request.capacityFrames, request.frames, rate, request.overload, request.malformedEvery))

        let stalled = try Socket(context: harness.context, kind: .sub)
        defer { stalled.close() }
        try stalled.setReceiveHighWaterMark(1000)
        try stalled.connect(harness.daemon.pipeline.outputEndpoint)
        try stalled.subscribe(WireTopic.prefix(.position))
        usleep(200_000)

        let base = harness.daemon.metrics.snapshot()
        let liveBase = live.count
        var offeredValid = 0
        var offeredMalformed = [SoakBenchmark.MalformedKind: Int]()
        var publishErrors = 0
        var samples: [SoakReport.RSSSample] = []
        var restart = SoakReport.PublisherRestart(atMessage: request.frames / 2)
        var stall = SoakReport.StalledSubscriber(atMessage: Int(Double(request.frames) * request.warmUpFraction / 2))
        var stalledReads = 0
        let warmUp = Int(Double(request.frames) * request.warmUpFraction)
        let t0 = ContinuousClock.now
        var nextSample = 0.0
        for i in 0..<request.frames {
            let due = Double(i) / rate
            var now = ProcessStatistics.seconds(since: t0)
            if now < due - 0.001 { usleep(UInt32((due - now) * 1e6)) }
            if now >= nextSample || i == warmUp {
                now = ProcessStatistics.seconds(since: t0)
                samples.append(.init(message: i, seconds: now, rssKiB: ProcessStatistics.residentKiB()))
                if now >= nextSample { nextSample += request.sampleInterval }
                if samples.count % 10 == 0 {
                    progress(
                        String(
                            format: "  %.0f s: %d messages offered, RSS %.1f MiB", now, i,
                            Double(samples.last!.rssKiB) / 1024))
                }
            }
            if i < stall.atMessage { stalledReads += drain(stalled) }
            if i == stall.atMessage {
                stall.readBeforeStall = stalledReads + drain(stalled)
                stall.publishedAtStall = harness.daemon.metrics.snapshot().published
                stall.liveFixesAtStall = live.count
                stall.rssAtStallKiB = ProcessStatistics.residentKiB()
            }
            if i == restart.atMessage {
                restart.processedBefore = harness.daemon.metrics.snapshot().processed - base.processed
                publisher.close()
                publisher = try connectPublisher()
            }
            let parts: [[UInt8]]
            if i % request.malformedEvery == request.malformedEvery - 1 {
                let m = malformed[(i / request.malformedEvery) % malformed.count]
                offeredMalformed[m.kind, default: 0] += 1
                parts = m.parts
            } else {
                parts = validParts(seq: seq)
                seq += 1
                offeredValid += 1
            }
            do { try publisher.publish(parts) } catch { publishErrors += 1 }
        }
        let offerSeconds = ProcessStatistics.seconds(since: t0)
        // A last valid frame after a pause closes any gap at the tail (a gap is seen at the next frame) and shows
        // the daemon still answers.
        usleep(500_000)
        let marker = seq
        try publisher.publish(validParts(seq: marker))
        offeredValid += 1
        let answered = Polling.waitUntil(seconds: 30) { (live.lastSeq ?? 0) >= marker }
        let drained = waitUntilSettled()
        samples.append(
            .init(
                message: request.frames, seconds: ProcessStatistics.seconds(since: t0),
                rssKiB: ProcessStatistics.residentKiB()))
        publisher.close()
        let end = harness.daemon.metrics.snapshot()
        restart.processedAfter = end.processed - base.processed - restart.processedBefore
        stall.publishedAfterStall = end.published - stall.publishedAtStall
        stall.liveFixesAfterStall = live.count - stall.liveFixesAtStall

        let counters = SoakReport.DaemonCounters(base: base, end: end)
        let offered = SoakReport.Offered(
            valid: offeredValid,
            malformed: Dictionary(uniqueKeysWithValues: offeredMalformed.map { ($0.rawValue, $1) }),
            publishErrors: publishErrors, seconds: offerSeconds,
            rate: Double(request.frames) / offerSeconds)
        let survival = SoakReport.Survival(
            markerAnswered: answered, drained: drained,
            makingProgress: harness.daemon.pipeline.isMakingProgress(stallSeconds: 30),
            liveFixes: live.count - liveBase, restart: restart, stalledSubscriber: stall)
        return SoakReport(
            scene: scene, shape: shape, workers: request.workers, capacityRate: capacity,
            targetRate: rate, overload: request.overload, offered: offered,
            daemon: counters, rss: SoakReport.Memory(samples: samples, warmUpMessages: warmUp),
            survival: survival
        ).summarized()
    }

    /// Closed loop, `4 × workers` frames outstanding (UEs rotate, so nothing is superseded): frames/s.
    private func measureCapacity(_ publisher: Publisher, seq: inout UInt64) throws -> Double {
        let window = 4 * request.workers
        let start = live.count
        let t0 = ContinuousClock.now
        for i in 0..<request.capacityFrames {
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while i - (live.count - start) >= window {
                guard ContinuousClock.now < deadline else {
                    throw DaemonHarness.HarnessError(
                        message: "capacity measurement: no fix for 10 s with \(window) frames outstanding")
                }
                usleep(20)
            }
            try publisher.publish(validParts(seq: seq))
            seq += 1
        }
        _ = Polling.waitUntil(seconds: 30) { live.count - start >= request.capacityFrames }
        return Double(live.count - start) / ProcessStatistics.seconds(since: t0)
    }

    /// Reads whatever the subscriber has queued; the number of messages.
    private func drain(_ socket: Socket) -> Int {
        var n = 0
        while let message = try? socket.tryReceiveMultipart(maxParts: 8, maxTotalBytes: 1 << 20), message.parts != nil {
            n += 1
        }
        return n
    }

    /// Waits until nothing is queued or in a worker and nothing new arrived for 0.5 s.
    private func waitUntilSettled() -> Bool {
        var last = -1
        return Polling.waitUntil(seconds: 60) {
            let s = harness.daemon.metrics.snapshot()
            defer { last = s.received }
            return s.queued == 0 && s.inFlight == 0 && s.received == last
        } pause: {
            usleep(500_000)
        }
    }
}
