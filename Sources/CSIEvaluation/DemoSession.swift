public import CSICapture
public import CSIChannel
public import CSILocDaemon
public import CSIWire
import Foundation
import Logging
import Synchronization

/// `csiloc demo`'s daemon: a ``DaemonHarness`` around a `csilocd` serving a model file on ipc endpoints in a
/// directory, fed by a capture replay.
public final class DemoSession: Sendable {
    let harness: DaemonHarness
    /// Ends the table printer of ``replay(capturePath:expected:truth:row:)``.
    private let tableDone = Atomic(false)

    /// Starts the daemon on `ipc://<directory>/csi.ipc` → `ipc://<directory>/pos.ipc`, serving `model` (a model
    /// file for the demo; tests serve an oracle scene).
    public init(directory: String, model: ModelSettings) throws {
        var logger = Logger(label: "csilocd")
        logger.logLevel = .warning
        var options = DaemonHarness.Options()
        options.subscriberThreadName = "demo-fixes"
        harness = try DaemonHarness(
            configuration: Self.configuration(directory: directory, model: model),
            logger: logger, options: options)
    }

    /// The daemon's configuration: bound ipc sockets in `directory`, `model` with absolute paths, up to 4 frames
    /// queued per UE, no metrics endpoint, warnings and errors logged.
    package static func configuration(directory: String, model: ModelSettings) -> DaemonConfiguration {
        func absolute(_ path: String?) -> String? { path.map { URL(fileURLWithPath: $0).standardizedFileURL.path } }
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        var c = DaemonConfiguration(
            model: ModelSettings(path: absolute(model.path), oracleScene: absolute(model.oracleScene)))
        c.input.endpoint = "ipc://\(dir)/csi.ipc"
        c.input.bind = true
        c.output.endpoint = "ipc://\(dir)/pos.ipc"
        c.output.bind = true
        c.queue.perUE = 4
        c.metrics = .disabled
        c.log.level = "warning"
        return c
    }

    /// The daemon under test.
    public var daemon: Daemon { harness.daemon }
    /// Fixes received so far (probes excluded), in arrival order.
    public var fixes: [PositionFix] { harness.fixes }

    /// Replays the capture at its recorded pace into the daemon, passing a table row (seq, UE, x, y, error cm,
    /// latency ms, status) of the latest fix to `row` about four times a second, then waits (at most 10 s) for
    /// `expected` fixes.
    public func replay(
        capturePath: String, expected: Int, truth: [Point3], row: @escaping @Sendable (String) -> Void
    ) throws -> CaptureReplayer.Progress {
        var config = CaptureReplayer.Configuration(path: capturePath, endpoint: daemon.pipeline.inputEndpoint ?? "")
        config.connect = true
        config.waitForSubscribers = .seconds(5)
        let replayer = CaptureReplayer(configuration: config, context: harness.context)
        tableDone.store(false, ordering: .relaxed)
        let printer = Thread { [self] in
            var shown = 0
            while !tableDone.load(ordering: .relaxed) {
                usleep(250_000)
                let fixes = harness.fixes
                guard fixes.count > shown, let f = fixes.last else { continue }
                shown = fixes.count
                let i = Int(clamping: f.seq)
                let err = i < truth.count ? (f.position - truth[i]).length * 100 : .nan
                row(
                    String(
                        format: "%6d %4d %12.5f %11.5f %12.4f %13.2f  %@", i, f.ueID, f.position.x, f.position.y, err,
                        f.latencyMs, f.status.rawValue))
            }
        }
        printer.start()
        defer {
            tableDone.store(true, ordering: .relaxed)
            usleep(300_000)
        }
        let progress = try replayer.run()
        let deadline = Date().addingTimeInterval(10)
        while fixes.count < expected && Date() < deadline { usleep(50_000) }
        return progress
    }

    /// Stops the daemon (draining) and the sockets.
    public func close() {
        harness.close(subscriberTimeout: .seconds(2))
    }
}
