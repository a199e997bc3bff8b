import CSIChannel
import CSIEvaluation
import CSIWire
import Foundation
import Logging
import ZMQ

@testable import CSILocDaemon

/// The repository root, from this file's path (tests run from any directory).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

let tinyScenePath = repositoryRoot + "/etc/scenes/tiny-los.yaml"

/// A fresh directory under /tmp for configs and ipc sockets.
func makeTemporaryDirectory(_ tag: String) -> String {
    let path = "/tmp/csilocd-test-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A daemon configuration for tests: the tiny oracle scene, loopback endpoints, metrics off unless asked.
func testConfigYAML(
    input: String = "tcp://127.0.0.1:*", output: String = "tcp://127.0.0.1:*", workers: Int = 2,
    perUE: Int = 1, maxUEs: Int = 1024, metrics: String = "off", method: String = "robust",
    scene: String = tinyScenePath, extra: String = ""
) -> String {
    """
    input:
      endpoint: \(input)
      bind: true
      max_message_bytes: 65536
    output:
      endpoint: \(output)
      bind: true
      send_hwm: 100000
      linger_ms: 2000
    model:
      oracle_scene: \(scene)
    search:
      method: \(method)
    workers: \(workers)
    queue:
      per_ue: \(perUE)
      max_ues: \(maxUEs)
    metrics:
      listen: \(metrics)
    log:
      level: warning
      rejection_interval_s: 60
    \(extra)
    """
}

/// Polls `condition` until it holds or `timeout` passes (on the calling thread).
func waitUntil(timeout: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

/// Runs blocking test code on a dedicated thread so no test blocks the 2-thread cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Simulated frames of the tiny scene with their true positions.
struct TinyFrames {
    static let scene = try! Scene.load(contentsOf: tinyScenePath)
    static let simulator = ChannelSimulator(scene: scene)

    /// `count` frames for `ue` of `receiver`, seq `firstSeq…`, positions uniform in the UE region.
    static func make(
        count: Int, receiver: UInt32 = 1, ue: UInt32 = 1, firstSeq: UInt64 = 0, seed: UInt64 = 7
    ) -> [CSIFrame] {
        let positions = PositionSampler.uniform(in: scene.ueRegion, count: count, seed: seed)
        let values = simulator.channels(at: positions)
        let stride = simulator.valuesPerChannel
        return (0..<count).map { i in
            let samples = values[(i * stride)..<((i + 1) * stride)].map { Float($0) }
            return CSIFrame(
                seq: firstSeq + UInt64(i), receiverID: receiver, ueID: ue,
                antennaCount: UInt16(simulator.antennaCount), subcarrierCount: UInt16(simulator.subcarrierCount),
                samples: samples, tCaptureNs: 1_000 + Int64(i),
                extension: try! FrameExtension(truth: positions[i]))
        }
    }

    static func parts(_ frame: CSIFrame) -> [[UInt8]] { try! FrameEncoder().encode(frame) }
}

/// The shared in-process harness (`CSIEvaluation.DaemonHarness`) around a daemon started from a YAML file in a
/// fresh directory, so that tests can rewrite the file and reload.
final class Harness: Sendable {
    let directory: String
    let configPath: String
    let shared: DaemonHarness
    static let probeReceiver: UInt32 = 4_000_000_000

    /// Starts the daemon from `yaml` (written to a file), connects the harness's sockets and handshakes with
    /// probe frames from receiver ``probeReceiver`` (PUB/SUB slow joiner).
    /// - Parameter curveKeys: the harness's CURVE key pair, for a configuration with `curve:` (see
    ///   `DaemonHarness.Options.curveKeys`); `prepare` may write key files into the directory first.
    init(
        _ tag: String, logger customLogger: Logger? = nil, curveKeys: CurveKeyPair? = nil,
        prepare: (String) throws -> Void = { _ in }, yaml: (String) -> String
    ) throws {
        directory = makeTemporaryDirectory(tag)
        configPath = directory + "/csilocd.yaml"
        try prepare(directory)
        try yaml(directory).write(toFile: configPath, atomically: true, encoding: .utf8)
        var logger = customLogger ?? Logger(label: "csilocd-test")
        if customLogger == nil { logger.logLevel = .error }
        var options = DaemonHarness.Options()
        options.curveKeys = curveKeys
        shared = try DaemonHarness(starting: Daemon(configPath: configPath, logger: logger), options: options)
        try shared.handshake(
            probe: TinyFrames.make(count: 1, receiver: Self.probeReceiver, ue: 1)[0], timeout: .seconds(20))
        usleep(50_000)
    }

    var daemon: Daemon { shared.daemon }
    var feed: Publisher { shared.feed }

    /// Fixes received so far, probes excluded.
    var received: [PositionFix] { shared.fixes }

    /// Messages on the fix feed that were not fixes.
    var undecodable: Int { shared.undecodable }

    /// The daemon's counters (they include the handshake's probe frames: compare against a baseline).
    func snapshot() -> DaemonMetrics.Snapshot { daemon.metrics.snapshot() }

    func send(_ frame: CSIFrame) { try! shared.send(frame) }
    func send(parts: [[UInt8]]) { try! shared.send(parts: parts) }

    /// Stops the daemon (drain) and the test sockets, removes the directory.
    func close() {
        shared.close(subscriberTimeout: nil)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
