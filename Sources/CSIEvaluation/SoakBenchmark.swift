import CSIChannel
import CSILocDaemon
import CSISearch
import CSIWire
import Foundation
import Logging
import Synchronization
import ZMQ

/// `csiloc bench soak`: an in-process `csilocd` (``DaemonHarness``, loopback TCP) offered frames at a multiple of
/// its measured capacity, mixed with malformed messages, while its resident set is sampled; during the run the
/// publisher is closed and reopened and a position subscriber stops reading. Reports whether memory stayed flat,
/// whether the daemon's counters add up against what was offered, and whether it kept serving
/// (docs/daemon.md, "Soak").
///
/// Accounting (after the run, once the daemon has drained): every message the daemon received is processed,
/// superseded, dropped or rejected; every valid frame offered was received or lost inside ZeroMQ (the publisher's
/// high-water mark, the restart), and the daemon sees each lost valid frame as a sequence gap (valid frames are
/// receiver 1 with consecutive `seq`, malformed ones never reach the sequence check); every malformed message
/// received is rejected.
public struct SoakBenchmark: Sendable {
    /// What to run.
    public struct Request: Sendable {
        /// Scene whose exact simulator is served (the daemon's `model.oracle_scene`).
        var scenePath: String
        /// Messages offered in the soak (valid and malformed), after the capacity measurement.
        public var frames = 1_000_000
        /// Offered rate as a multiple of the measured capacity.
        public var overload = 3.0
        /// One message in `malformedEvery` is malformed (cycling over ``MalformedKind``).
        public var malformedEvery = 10
        /// Daemon workers.
        package var workers: Int
        /// Frames of the closed-loop capacity measurement before the soak.
        public var capacityFrames = 5_000
        /// Fraction of the soak before which RSS samples count as warm-up. The position subscriber stalls half-way
        /// through it, so that the bounded queue the daemon keeps for it (`output.send_hwm` fixes, ≈ 8 MiB by
        /// default) fills during warm-up: a one-off step the memory formula predicts, not growth.
        var warmUpFraction = 0.1
        /// Seconds between RSS samples.
        var sampleInterval = 1.0

        /// A request for the scene at `scenePath` served by `workers` daemon workers.
        public init(scenePath: String, workers: Int) {
            self.scenePath = scenePath
            self.workers = workers
        }
    }

    /// The malformed messages mixed into the feed, with the rejection reason each should get.
    enum MalformedKind: String, Sendable, CaseIterable, Codable {
        /// The payload 8 bytes short of `n_ant·n_sc` samples.
        case badSize = "bad_size"
        /// A NaN sample (no CRC, so the sample check sees it).
        case nan
        /// 64 bytes of garbage as the header.
        case garbage
        /// A subscribed prefix with a malformed topic (`csi/v1/x/1`).
        case wrongTopic = "wrong_topic"
        /// A topic the daemon does not subscribe to: ZeroMQ filters it before the daemon (never received).
        case unsubscribedTopic = "unsubscribed_topic"
        /// Every part within `input.max_message_bytes`, the whole above it.
        case oversized
        /// More parts than the daemon accepts.
        case tooManyParts = "too_many_parts"

        /// Whether the daemon receives it at all.
        var reachesDaemon: Bool { self != .unsubscribedTopic }

        /// The reason the daemon rejects it under (`csilocd_frames_rejected_total`), `nil` for a message the
        /// subscription filters.
        var expectedReason: String? {
            switch self {
            case .badSize: "size_mismatch"
            case .nan: "non_finite_sample"
            case .garbage: "bad_magic"
            case .wrongTopic: "bad_topic"
            case .unsubscribedTopic: nil
            case .oversized: "oversized"
            case .tooManyParts: "too_many_parts"
            }
        }
    }

    /// The daemon's receive limit in the soak (`input.max_message_bytes`): the oversized messages exceed it.
    static let maxMessageBytes = 65_536
    static let validReceiver: UInt32 = 1, malformedReceiver: UInt32 = 9, probeReceiver: UInt32 = 2
    /// UEs the valid frames rotate over (with `queue.per_ue: 1`, overload supersedes).
    static let ues = 64

    /// The measured figures and verdicts.
    public var report: SoakReport

    /// Runs the capacity measurement and the soak. `progress` receives a line now and then.
    ///
    /// - Throws: scene errors, daemon start errors, `ZMQError`, ``DaemonHarness/HarnessError``.
    public static func run(_ request: Request, progress: (String) -> Void = { _ in }) throws -> SoakBenchmark {
        let scenePath = URL(fileURLWithPath: request.scenePath).standardizedFileURL.path
        let scene = try Scene.load(contentsOf: scenePath)
        let sim = ChannelSimulator(scene: scene)
        let test = TestSet.simulate(sim, count: 256, seed: 23)
        let frames = try (0..<test.count).map { k in
            try EncodedFrame(
                CSIFrame(
                    seq: 0, receiverID: validReceiver, ueID: 0, antennaCount: UInt16(sim.antennaCount),
                    subcarrierCount: UInt16(sim.subcarrierCount), samples: Array(test.channel(k))))
        }
        let malformed = try malformedMessages(
            sample: CSIFrame(
                seq: 0, receiverID: malformedReceiver, ueID: 1,
                antennaCount: UInt16(sim.antennaCount),
                subcarrierCount: UInt16(sim.subcarrierCount),
                samples: Array(test.channel(0))))
        var logger = Logger(label: "soak")
        logger.logLevel = .critical
        let live = LiveSink()
        var options = DaemonHarness.Options()
        options.keepsFixes = false
        options.feedLinger = .zero
        let harness = try DaemonHarness(
            configuration: configuration(request, scenePath: scenePath), logger: logger,
            options: options, onFix: live.received)
        defer { harness.close() }
        var probe = CSIFrame(
            seq: 0, receiverID: probeReceiver, ueID: 0, antennaCount: UInt16(sim.antennaCount),
            subcarrierCount: UInt16(sim.subcarrierCount), samples: Array(test.channel(0)))
        probe.header.seq = 0
        try harness.handshake(probe: probe)
        guard let input = harness.daemon.pipeline.inputEndpoint else {
            throw DaemonHarness.HarnessError(message: "the daemon's input is not bound")
        }
        var run = SoakRun(
            request: request, harness: harness, input: input, frames: frames, malformed: malformed, live: live)
        return SoakBenchmark(
            report: try run.execute(
                scene: scene.name, shape: [sim.antennaCount, sim.subcarrierCount],
                progress: progress))
    }

    /// The daemon: loopback TCP on free ports, default queue (1 frame per UE, 1024 UEs), a 64 KiB message limit,
    /// no metrics endpoint, logging off (the soak rejects ~10⁵ messages on purpose).
    static func configuration(_ request: Request, scenePath: String) -> DaemonConfiguration {
        var c = DaemonConfiguration(model: ModelSettings(oracleScene: scenePath))
        c.input.endpoint = "tcp://127.0.0.1:*"
        c.input.bind = true
        c.input.maxMessageBytes = maxMessageBytes
        c.output.endpoint = "tcp://127.0.0.1:*"
        c.output.bind = true
        c.workers = request.workers
        c.metrics = .disabled
        c.log.level = "critical"
        return c
    }

    /// One message per ``MalformedKind``, in its order.
    static func malformedMessages(sample: CSIFrame) throws -> [(kind: MalformedKind, parts: [[UInt8]])] {
        let good = try FrameEncoder(computeCRC: true).encode(sample)
        var nan = sample
        nan.samples[1] = .nan
        var garbageHeader = [UInt8](repeating: 0, count: 64)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in garbageHeader.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            garbageHeader[i] = UInt8(truncatingIfNeeded: state >> 33)
        }
        let half = maxMessageBytes / 2 + 1000
        return MalformedKind.allCases.map { kind in
            switch kind {
            case .badSize: return (kind, [good[0], good[1], Array(good[2].dropLast(8))])
            case .nan: return (kind, (try? FrameEncoder(computeCRC: false).encode(nan)) ?? good)
            case .garbage: return (kind, [good[0], garbageHeader, good[2]])
            case .wrongTopic: return (kind, [Array("csi/v1/x/1".utf8)] + good.dropFirst())
            case .unsubscribedTopic: return (kind, [Array("pos/v1/9/1".utf8)] + good.dropFirst())
            case .oversized:
                return (
                    kind, [good[0], good[1], [UInt8](repeating: 0, count: half), [UInt8](repeating: 0, count: half)]
                )
            case .tooManyParts: return (kind, good + [[UInt8]](repeating: [0], count: 20))
            }
        }
    }
}

/// What the live fix subscriber (the harness's) saw.
final class LiveSink: Sendable {
    private let state = Mutex((count: 0, lastSeq: UInt64?.none))

    func received(_ fix: PositionFix) {
        state.withLock {
            $0.count += 1
            if fix.receiverID == SoakBenchmark.validReceiver { $0.lastSeq = fix.seq }
        }
    }

    var count: Int { state.withLock { $0.count } }
    var lastSeq: UInt64? { state.withLock { $0.lastSeq } }
}
