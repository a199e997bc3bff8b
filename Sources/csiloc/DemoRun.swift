import CSICapture
import CSIChannel
import CSILocDaemon
import CSIWire
import Foundation
import Logging
import Synchronization
import ZMQ

/// One in-process daemon plus the sockets that feed it and listen to it, for `csiloc demo`.
final class DemoRun: Sendable {
    let daemon: Daemon
    let context: Context
    private let subscriber: Subscriber
    private let received = FixBox()

    /// Fixes collected by the subscriber thread, and a stop flag for the table printer.
    final class FixBox: Sendable {
        let fixes = Mutex<[PositionFix]>([])
        let stop = Atomic(false)
    }

    init(directory: String, modelPath: String) throws {
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        let config = dir + "/csilocd-demo.yaml"
        let yaml = """
            # Written by csiloc demo: the daemon listens on ipc sockets in this directory.
            input:
              endpoint: ipc://\(dir)/csi.ipc
              bind: true
            output:
              endpoint: ipc://\(dir)/pos.ipc
              bind: true
            model:
              path: \(URL(fileURLWithPath: modelPath).standardizedFileURL.path)
            queue:
              per_ue: 4
            metrics:
              listen: off
            log:
              level: warning
            """
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        var logger = Logger(label: "csilocd")
        logger.logLevel = .warning
        daemon = try Daemon(configPath: config, logger: logger)
        try daemon.start()
        context = try Context()
        let sink = received
        var sc = Subscriber.Configuration(endpoints: [.connect(daemon.pipeline.outputEndpoint)], topics: ["pos/v1/"])
        sc.receiveHighWaterMark = 100_000
        sc.threadName = "demo-fixes"
        subscriber = try Subscriber(context: context, configuration: sc) { parts in
            if let fix = try? PositionFix(parts: parts) { sink.fixes.withLock { $0.append(fix) } }
        }
    }

    func fixes() -> [PositionFix] { received.fixes.withLock { $0 } }

    /// Replays the capture at its recorded pace into the daemon, printing a table row about four times a
    /// second, then waits (bounded) for the last fixes.
    func replay(capturePath: String, expected: Int, truth: [Point3], row: @escaping @Sendable (String) -> Void) throws -> CaptureReplayer.Progress {
        guard let input = daemon.pipeline.inputEndpoint else { throw CaptureError.open(path: "daemon input", errno: EINVAL) }
        var config = CaptureReplayer.Configuration(path: capturePath, endpoint: input)
        config.connect = true
        config.waitForSubscribers = .seconds(5)
        let replayer = CaptureReplayer(configuration: config, context: context)
        let box = received
        let printer = Thread {
            var shown = 0
            while !box.stop.load(ordering: .relaxed) {
                usleep(250_000)
                let fixes = box.fixes.withLock { $0 }
                guard fixes.count > shown, let f = fixes.last else { continue }
                shown = fixes.count
                let i = Int(clamping: f.seq)
                let err = i < truth.count ? (f.position - truth[i]).length * 100 : .nan
                row(String(format: "%6d %4d %12.5f %11.5f %12.4f %13.2f  %@", i, f.ueID, f.position.x, f.position.y, err, f.latencyMs, f.status.rawValue))
            }
        }
        printer.start()
        let progress = try replayer.run()
        let deadline = Date().addingTimeInterval(10)
        while fixes().count < expected && Date() < deadline { usleep(50_000) }
        box.stop.store(true, ordering: .relaxed)
        usleep(300_000)
        return progress
    }

    func close() {
        daemon.stop()
        subscriber.stop()
        _ = subscriber.join(timeout: .seconds(2))
        context.shutdown()
        context.terminate()
    }
}
