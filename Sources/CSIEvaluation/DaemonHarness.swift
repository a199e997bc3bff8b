package import CSILocDaemon
package import CSIWire
import Foundation
package import Logging
import Synchronization
package import ZMQ

/// A `csilocd` running in this process, a publisher connected to its input and a subscriber collecting its
/// fixes: the set-up of the daemon tests, `csiloc demo` and `csiloc bench daemon`.
///
/// The daemon is made from a configuration value (or handed over unstarted, e.g. one made from a file so that
/// it can reload); its input and output must be bound (`bind: true`), since the harness connects to both.
/// Fixes are decoded on the subscriber thread and passed to `onFix`; with ``Options/keepsFixes`` they are also
/// kept (``fixes``). PUB/SUB drops messages until a subscription has propagated ("slow joiner"):
/// ``handshake(probe:timeout:)`` sends probe frames until a probe's fix comes back; probe fixes are counted,
/// never kept nor passed on.
package final class DaemonHarness: Sendable {
    /// Socket and collection settings.
    package struct Options: Sendable {
        /// The feed's send high-water mark, messages.
        var feedHighWaterMark: Int32 = 100_000
        /// How long closing the feed keeps unsent frames (nil: until sent).
        var feedLinger: Duration? = .milliseconds(500)
        /// The fix subscriber's receive high-water mark, messages.
        var fixHighWaterMark: Int32 = 100_000
        /// Name of the subscriber thread.
        var subscriberThreadName = "harness-fixes"
        /// Keep every decoded fix (``fixes``); off for long benchmarks, whose memory is measured.
        var keepsFixes = true
        /// The harness's CURVE key pair, for a daemon with `curve:`: the feed and the fix subscriber are CURVE
        /// clients of the daemon's public key wherever the daemon is a CURVE server (list this key there).
        package var curveKeys: CurveKeyPair?

        package init() {}
    }

    /// Why the harness could not reach the daemon.
    struct HarnessError: Error, Sendable, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    package let daemon: Daemon
    let context: Context
    /// Connected to the daemon's input.
    package let feed: Publisher
    private let subscriber: Subscriber
    private let collector: FixCollector

    /// Starts a daemon made from `configuration` and connects the harness.
    ///
    /// - Throws: what `Daemon(configuration:logger:)` and `start()` throw, `ZMQError`, ``HarnessError``.
    package convenience init(
        configuration: DaemonConfiguration, logger: Logger, options: Options = Options(),
        onFix: @escaping @Sendable (PositionFix) -> Void = { _ in }
    ) throws {
        try self.init(
            starting: try Daemon(configuration: configuration, logger: logger), options: options, onFix: onFix)
    }

    /// Starts `daemon` (not yet started) and connects the harness; on failure the daemon is stopped again.
    package init(
        starting daemon: Daemon, options: Options = Options(),
        onFix: @escaping @Sendable (PositionFix) -> Void = { _ in }
    ) throws {
        self.daemon = daemon
        try daemon.start()
        var made: Context?
        do {
            guard let input = daemon.pipeline.inputEndpoint else {
                throw HarnessError(
                    message:
                        "the daemon's input \(daemon.configuration.input.endpoint) is not bound: the harness connects to it"
                )
            }
            let context = try Context()
            made = context
            let collector = FixCollector(keepsFixes: options.keepsFixes, onFix: onFix)
            let curve = daemon.configuration.curve
            let feed = try Publisher(
                context: context, connect: [input], sendHighWaterMark: options.feedHighWaterMark,
                linger: options.feedLinger,
                security: try Self.clientSecurity(curve, server: curve.map { $0.input != .plaintext } ?? false, options)
            )
            var config = Subscriber.Configuration(
                endpoints: [.connect(daemon.pipeline.outputEndpoint)],
                topics: [WireTopic.prefix(.position)])
            config.receiveHighWaterMark = options.fixHighWaterMark
            config.threadName = options.subscriberThreadName
            config.security = try Self.clientSecurity(
                curve, server: curve.map { $0.output != .plaintext } ?? false, options)
            subscriber = try Subscriber(context: context, configuration: config) { parts in collector.receive(parts) }
            self.context = context
            self.collector = collector
            self.feed = feed
        } catch {
            daemon.stop()
            made?.shutdown()
            made?.terminate()
            throw error
        }
    }

    /// Plaintext, or a CURVE client of the daemon when `server` (its socket is a CURVE server).
    private static func clientSecurity(
        _ curve: CurveSettings?, server: Bool, _ options: Options
    ) throws -> SocketSecurity {
        guard let curve, server else { return .plaintext }
        guard let keys = options.curveKeys else {
            throw HarnessError(
                message: "the daemon uses CURVE: give the harness a key pair (Options.curveKeys) the daemon allows")
        }
        return .curveClient(keyPair: keys, serverKey: curve.keyPair.publicKey)
    }

    /// Sends `probe` (seq 0, 1, …) every 20 ms until a fix for its receiver comes back; from then on, fixes of
    /// that receiver are counted as probes (``probesReceived``) and kept out of ``fixes`` and `onFix`.
    ///
    /// - Throws: ``HarnessError`` when no probe fix arrives within `timeout`.
    package func handshake(probe: CSIFrame, timeout: Duration = .seconds(20)) throws {
        let encoded = try EncodedFrame(probe)
        collector.setProbeReceiver(probe.header.receiverID)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var seq: UInt64 = 0
        while collector.probesReceived == 0 {
            guard ContinuousClock.now < deadline else {
                throw HarnessError(
                    message:
                        "no fix for the probe frames of receiver \(probe.header.receiverID) within \(timeout): is the daemon serving \(probe.antennaCount)×\(probe.subcarrierCount) frames?"
                )
            }
            try feed.publish(encoded.parts(seq: seq, receiverID: probe.header.receiverID, ueID: probe.header.ueID))
            seq += 1
            usleep(20_000)
        }
    }

    /// Encodes (cf32, CRC) and publishes `frame`.
    package func send(_ frame: CSIFrame) throws {
        try feed.publish(try FrameEncoder().encode(frame))
    }

    /// Publishes raw message parts (e.g. malformed frames).
    package func send(parts: [[UInt8]]) throws {
        try feed.publish(parts)
    }

    /// Fixes kept so far (probes excluded), in arrival order.
    package var fixes: [PositionFix] { collector.fixes }

    /// Probe fixes received (see ``handshake(probe:timeout:)``).
    package var probesReceived: Int { collector.probesReceived }

    /// Messages on the fix feed that did not decode as a `PositionFix`.
    package var undecodable: Int { collector.undecodable }

    /// Stops the daemon (draining: every accepted frame's fix is published), then the subscriber (waiting at most
    /// `subscriberTimeout`), the feed and the context. Other sockets of ``context`` must be closed or idle.
    package func close(subscriberTimeout: Duration? = .seconds(10)) {
        daemon.stop()
        subscriber.stop()
        _ = subscriber.join(timeout: subscriberTimeout)
        feed.close()
        context.shutdown()
        context.terminate()
    }
}
