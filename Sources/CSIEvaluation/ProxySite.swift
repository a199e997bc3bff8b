import CSILocDaemon
import CSIWire
import Foundation
import Logging
import ZMQ

/// The site of ``ProxyBenchmark``: N started daemons, the site feed (one PUB connected to every daemon's input,
/// each daemon subscribed to its receiver's topic only), the proxy over their fix feeds and the consumer on its
/// backend. The calling thread owns the feed.
struct ProxySite {
    let request: ProxyBenchmark.Request
    let daemons: [Daemon]
    let context: Context
    let feed: Publisher
    let proxy: Proxy
    let subscriber: Subscriber
    let consumer: ProxyConsumer
    let frames: [EncodedFrame]
    /// Next `seq` per daemon (its receiver's frame counter).
    var nextSeq: [UInt64]

    /// The site feed's high-water mark: ZeroMQ drops beyond it (seen by a daemon as a sequence gap).
    static let feedHighWaterMark: Int32 = 100_000
    /// The proxy's and the consumer's high-water marks, messages.
    static let fixHighWaterMark: Int32 = 100_000

    /// Starts the daemons, the feed, the proxy and the consumer; on failure stops what was started.
    init(request: ProxyBenchmark.Request, scenePath: String, frames: [EncodedFrame]) throws {
        self.request = request
        self.frames = frames
        var logger = Logger(label: "bench-proxy")
        logger.logLevel = .critical
        let n = request.daemons
        let perDaemon = (0..<n).map { (request.frames - $0 + n - 1) / n }
        let consumer = ProxyConsumer(
            framesPerDaemon: perDaemon, firstReceiver: ProxyBenchmark.firstReceiver, ues: request.uesPerDaemon)
        self.consumer = consumer
        nextSeq = [UInt64](repeating: 0, count: n)
        var undo: [() -> Void] = []
        do {
            var started: [Daemon] = []
            for i in 0..<n {
                let daemon = try Daemon(
                    configuration: ProxyBenchmark.configuration(
                        request, scenePath: scenePath, receiver: Self.receiver(i)),
                    logger: logger)
                try daemon.start()
                undo.append { daemon.stop() }
                started.append(daemon)
            }
            daemons = started
            let inputs = try started.enumerated().map { i, daemon in
                guard let input = daemon.pipeline.inputEndpoint else {
                    throw DaemonHarness.HarnessError(message: "the input of daemon \(i + 1) is not bound")
                }
                return input
            }
            let context = try Context()
            undo.append {
                context.shutdown()
                context.terminate()
            }
            self.context = context
            let feed = try Publisher(
                context: context, connect: inputs, sendHighWaterMark: Self.feedHighWaterMark, linger: .zero)
            undo.append { feed.close() }
            self.feed = feed
            var proxyConfiguration = Proxy.Configuration(
                frontends: started.map { Proxy.Frontend(endpoint: $0.pipeline.outputEndpoint) },
                backend: "tcp://127.0.0.1:*")
            proxyConfiguration.highWaterMark = Self.fixHighWaterMark
            proxyConfiguration.threadName = "bench-proxy"
            let proxy = try Proxy(context: context, configuration: proxyConfiguration)
            undo.append { proxy.stop() }
            self.proxy = proxy
            var consumerConfiguration = Subscriber.Configuration(
                endpoints: [.connect(proxy.backendEndpoint)], topics: [WireTopic.prefix(.position)])
            consumerConfiguration.receiveHighWaterMark = Self.fixHighWaterMark
            consumerConfiguration.threadName = "bench-proxy-consumer"
            subscriber = try Subscriber(context: context, configuration: consumerConfiguration) { [consumer] parts in
                consumer.receive(parts)
            }
        } catch {
            for step in undo.reversed() { step() }
            throw error
        }
    }

    static func receiver(_ daemon: Int) -> UInt32 { ProxyBenchmark.firstReceiver + UInt32(daemon) }

    /// Sends each daemon probe frames (its receiver, the probe UE) every 20 ms until one's fix comes out of the
    /// proxy — the consumer's subscription has then reached every hop — and waits until the probes are through.
    ///
    /// - Throws: ``DaemonHarness/HarnessError`` when a daemon's probe does not arrive within `timeout`.
    mutating func handshake(timeout: Duration = .seconds(20)) throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var through = [Bool](repeating: false, count: daemons.count)
        while let missing = through.firstIndex(of: false) {
            guard ContinuousClock.now < deadline else {
                throw DaemonHarness.HarnessError(
                    message:
                        "no fix of daemon \(missing + 1)'s probe frames (receiver \(Self.receiver(missing))) came through the proxy within \(timeout)"
                )
            }
            for i in daemons.indices where !through[i] {
                try feed.publish(
                    frames[0].parts(seq: nextSeq[i], receiverID: Self.receiver(i), ueID: consumer.probeUE))
                nextSeq[i] += 1
            }
            usleep(20_000)
            for i in daemons.indices { through[i] = consumer.probes(daemon: i) > 0 }
        }
        _ = waitUntilSettled(stable: 0.2)
        for i in daemons.indices { consumer.setSeqBase(nextSeq[i], daemon: i) }
    }

    /// What ``offer(rate:)`` measured.
    struct Outcome {
        var offered: ProxyReport.Offered
        var daemons: [ProxyReport.DaemonFigures]
        var site: ProxyReport.Site
    }

    /// Offers `request.frames` frames at `rate` frames/s (open loop), frame k to daemon k mod N as its UE
    /// (k div N) mod `uesPerDaemon`; then waits for the daemons to drain and for every published fix at the
    /// consumer, and counts.
    func offer(rate: Double) throws -> Outcome {
        let n = daemons.count
        let base = daemons.map { $0.metrics.snapshot() }
        let proxyBase = try? proxy.statistics()
        var sent = [Int](repeating: 0, count: n), feedErrors = [Int](repeating: 0, count: n)
        let t0 = ContinuousClock.now
        for k in 0..<request.frames {
            let due = Double(k) / rate
            let now = ProcessStatistics.seconds(since: t0)
            if now < due - 0.001 { usleep(UInt32((due - now) * 1e6)) }
            let d = k % n, j = k / n
            let parts = frames[k % frames.count].parts(
                seq: nextSeq[d] + UInt64(j), receiverID: Self.receiver(d),
                ueID: UInt32(j % request.uesPerDaemon))
            consumer.markSent(daemon: d, index: j, at: .now)
            do {
                try feed.publish(parts)
                sent[d] += 1
            } catch {
                feedErrors[d] += 1
            }
        }
        let offerSeconds = ProcessStatistics.seconds(since: t0)
        let drained = waitUntilSettled(stable: 0.5)
        let publishedTotal = daemons.indices.map { daemons[$0].metrics.snapshot().published - base[$0].published }
            .reduce(0, +)
        _ = Polling.waitUntil(seconds: 10) { consumer.distinctTotal >= publishedTotal }
        usleep(300_000) // a duplicate would have arrived by now
        let ends = daemons.map { $0.metrics.snapshot() }
        let proxyEnd = try? proxy.statistics()
        let seen = consumer.snapshot
        let figures = (0..<n).map { i in
            ProxyReport.DaemonFigures(
                receiver: Self.receiver(i), sent: sent[i], feedErrors: feedErrors[i],
                counters: SoakReport.DaemonCounters(base: base[i], end: ends[i]),
                throughProxy: seen.counts[i].reduce(0) { $0 + ($1 > 0 ? 1 : 0) }, duplicates: seen.duplicates[i],
                latencyMs: ProxyReport.Percentiles(EmpiricalDistribution(seen.latencyMs[i])),
                endToEndMs: ProxyReport.Percentiles(EmpiricalDistribution(seen.endToEndMs[i])))
        }
        let fixSeconds = seen.lastArrival.map { ProcessStatistics.seconds(since: t0, now: $0) } ?? .nan
        var proxyCounts: ProxyReport.ProxyCounters?
        if let proxyBase, let proxyEnd {
            proxyCounts = ProxyReport.ProxyCounters(
                received: Int(proxyEnd.frontendMessagesIn - proxyBase.frontendMessagesIn),
                forwarded: Int(proxyEnd.backendMessagesOut - proxyBase.backendMessagesOut))
        }
        let site = ProxyReport.Site(
            throughProxy: seen.distinct, seconds: fixSeconds, fixRate: Double(seen.distinct) / fixSeconds,
            drained: drained, probes: seen.probes.reduce(0, +), foreign: seen.foreign,
            undecodable: seen.undecodable, proxy: proxyCounts,
            latencyMs: ProxyReport.Percentiles(EmpiricalDistribution(seen.latencyMs.flatMap { $0 })),
            endToEndMs: ProxyReport.Percentiles(EmpiricalDistribution(seen.endToEndMs.flatMap { $0 })))
        let offered = ProxyReport.Offered(
            frames: request.frames, feedErrors: feedErrors.reduce(0, +), seconds: offerSeconds,
            rate: Double(request.frames) / offerSeconds)
        return Outcome(offered: offered, daemons: figures, site: site)
    }

    /// Waits (at most 60 s) until every daemon has nothing queued or in a worker and received nothing new for
    /// `stable` seconds; whether that happened.
    func waitUntilSettled(stable: Double) -> Bool {
        var last: [Int] = []
        return Polling.waitUntil(seconds: 60) {
            let s = daemons.map { $0.metrics.snapshot() }
            defer { last = s.map(\.received) }
            return s.allSatisfy { $0.queued == 0 && $0.inFlight == 0 } && s.map(\.received) == last
        } pause: {
            usleep(UInt32(stable * 1e6))
        }
    }

    /// Stops the consumer, the proxy, the feed and the context, then the daemons.
    func close() {
        subscriber.stop()
        _ = subscriber.join(timeout: .seconds(10))
        proxy.stop()
        feed.close()
        context.shutdown()
        context.terminate()
        for daemon in daemons { daemon.stop() }
    }
}
