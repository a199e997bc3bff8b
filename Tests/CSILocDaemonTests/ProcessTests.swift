import CSIWire
import Foundation
import Synchronization
import Testing
import ZMQ

/// The real `csilocd` executable under an emulated systemd: `READY`, `RELOADING` + `MONOTONIC_USEC` on
/// SIGHUP, `WATCHDOG`, and on SIGTERM `STOPPING`, a full drain, exit 0.
@Suite(.serialized)
struct ProcessTests {
    /// `.build/<config>/csilocd`, next to the test bundle.
    static let binary: String? = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("csilocd").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    @Test(.enabled(if: binary != nil, "csilocd binary not built next to the tests"))
    func signalsUnderEmulatedSystemd() async throws {
        let dir = makeTemporaryDirectory("proc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notify = try NotifyListener(path: dir + "/notify.sock")
        defer { notify.close() }
        let metricsPort = try freeTCPPort()
        let config = dir + "/csilocd.yaml"
        try testConfigYAML(
            input: "ipc://\(dir)/csi.ipc", output: "ipc://\(dir)/pos.ipc", workers: 1, perUE: 1000,
            metrics: "127.0.0.1:\(metricsPort)"
        )
        .write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = ["--config", config]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = dir + "/notify.sock"
        env["WATCHDOG_USEC"] = "400000"
        env.removeValue(forKey: "WATCHDOG_PID")
        process.environment = env
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let ready = try await onThread {
            waitUntil(timeout: .seconds(30)) { notify.messages.contains { $0.hasPrefix("READY=1") } }
        }
        #expect(ready)
        // Feed and collect through ipc; handshake with probe frames.
        let context = try Context()
        let feed = try Publisher(context: context, connect: ["ipc://\(dir)/csi.ipc"], sendHighWaterMark: 100_000)
        let fixes = Mutex<[PositionFix]>([])
        var subConfig = Subscriber.Configuration(endpoints: [.connect("ipc://\(dir)/pos.ipc")], topics: ["pos/v1/"])
        subConfig.receiveHighWaterMark = 100_000
        let sub = try Subscriber(context: context, configuration: subConfig) { parts in
            if let fix = try? PositionFix(parts: parts) { fixes.withLock { $0.append(fix) } }
        }
        let probe = TinyFrames.make(count: 1, receiver: 999, ue: 1)[0]
        let handshake = try await onThread {
            waitUntil(timeout: .seconds(20)) {
                try? feed.publish(TinyFrames.parts(probe))
                usleep(20_000)
                return fixes.withLock { !$0.isEmpty }
            }
        }
        #expect(handshake)

        // SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 again, reload counted.
        let readyBefore = notify.messages.filter { $0.hasPrefix("READY=1") }.count
        kill(process.processIdentifier, SIGHUP)
        let reloaded = try await onThread {
            waitUntil(timeout: .seconds(30)) { notify.messages.filter { $0.hasPrefix("READY=1") }.count > readyBefore }
        }
        #expect(reloaded)
        #expect(notify.messages.contains { $0.hasPrefix("RELOADING=1") && $0.contains("MONOTONIC_USEC=") })
        let exposition = try await onThread { try httpGet(port: metricsPort, path: "/metrics") }
        #expect(exposition.contains("csilocd_model_reloads_total{result=\"ok\"} 1"))
        #expect(notify.messages.contains("WATCHDOG=1"))

        // SIGTERM right after a burst: every frame the daemon received is localized and published.
        let received0 = metricValue(exposition, "csilocd_frames_received_total") ?? 0
        let frames = (UInt32(1)...4).flatMap { TinyFrames.make(count: 40, receiver: $0, ue: $0, seed: UInt64($0)) }
        for f in frames { try feed.publish(TinyFrames.parts(f)) }
        let accepted = try await onThread {
            waitUntil(timeout: .seconds(20)) {
                (try? httpGet(port: metricsPort, path: "/metrics")).flatMap {
                    metricValue($0, "csilocd_frames_received_total")
                }
                    == received0 + frames.count
            }
        }
        #expect(accepted)
        kill(process.processIdentifier, SIGTERM)
        let exited = try await onThread { () -> Bool in
            waitUntil(timeout: .seconds(30)) { !process.isRunning }
        }
        #expect(exited)
        #expect(process.terminationStatus == 0)
        #expect(notify.messages.contains { $0.hasPrefix("STOPPING=1") })
        let delivered = try await onThread {
            waitUntil(timeout: .seconds(5)) {
                fixes.withLock { $0.filter { $0.receiverID != 999 }.count } == frames.count
            }
        }
        #expect(delivered, "got \(fixes.withLock { $0.filter { $0.receiverID != 999 }.count }) of \(frames.count)")
        sub.stop()
        sub.join()
        feed.close()
        context.terminate()
    }
}

extension ProcessTests {
    /// `csilocd --check`: 0 on a good file, 78 (EX_CONFIG) with a located message on a bad one, 64 on bad usage.
    @Test(.enabled(if: binary != nil, "csilocd binary not built next to the tests"))
    func checkExitCodesOfTheBinary() throws {
        let dir = makeTemporaryDirectory("proc-check")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "model: {oracle_scene: \(tinyScenePath)}\n".write(
            toFile: dir + "/good.yaml", atomically: true, encoding: .utf8)
        try "model: {oracle_scene: \(tinyScenePath)}\nqueue:\n  per_ue: 0\n".write(
            toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        func run(_ args: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.binary!)
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
        #expect(try run(["--config", dir + "/good.yaml", "--check"]).0 == 0)
        let (code, message) = try run(["--config", dir + "/bad.yaml", "--check"])
        #expect(code == 78)
        #expect(message.contains("bad.yaml:3:3: queue.per_ue: must be in 1...1024"), "\(message)")
        #expect(try run(["--check"]).0 == 64)
    }
}

/// The value of an unlabelled metric in a Prometheus exposition.
func metricValue(_ text: String, _ name: String) -> Int? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Int(line.split(separator: " ").last!)
    }
    return nil
}

/// A free loopback TCP port (bound and released; fine for tests).
func freeTCPPort() throws -> UInt16 {
    let server = try MetricsHTTPServerProbe()
    return server.port
}

/// Binds 127.0.0.1:0 to learn a free port, then closes.
struct MetricsHTTPServerProbe {
    let port: UInt16
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &sa) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: sa.sin_port)
    }
}

/// Stands in for systemd's notification socket: collects every datagram.
final class NotifyListener: Sendable {
    private let fd: Int32
    private let received = Mutex<[String]>([])
    private let stopFlag = Atomic(false)
    private let done = DispatchSemaphore(value: 0)

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard ok == 0 else { throw POSIXError(.EADDRINUSE) }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopFlag.load(ordering: .relaxed) {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { received.withLock { $0.append(String(decoding: buffer[0..<n], as: UTF8.self)) } }
            }
            done.signal()
        }.start()
    }

    var messages: [String] { received.withLock { $0 } }

    func close() {
        stopFlag.store(true, ordering: .relaxed)
        done.wait()
        Glibc.close(fd)
    }
}
