import ArgumentParser
import CSICapture
import Foundation
import Synchronization
import Testing
import ZMQ

@testable import csiloc

/// `csiloc keygen`, the `--curve-*` options of record and replay, and `csiloc proxy` as a process (SIGTERM).
@Suite("CURVE commands: keygen, record/replay keys, proxy", .serialized)
struct CurveCommandTests {
    @Test func keygenWritesAPrivatePairAndRefusesToOverwrite() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Keygen.parse(["--out", "\(dir)/node"]).run()
        let pair = try CurveCertificateFile.readKeyPair(at: "\(dir)/node.key_secret")
        #expect(try CurveCertificateFile.readPublicKey(at: "\(dir)/node.key") == pair.publicKey)
        var info = stat()
        stat("\(dir)/node.key_secret", &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(throws: CurveKeyFileError.self) { try Keygen.parse(["--out", "\(dir)/node"]).run() }
        try Keygen.parse(["--out", "\(dir)/node", "--force"]).run()
        #expect(try CurveCertificateFile.readKeyPair(at: "\(dir)/node.key_secret") != pair)
        #expect(throws: (any Error).self) { try Keygen.parse(["--out", "\(dir)/"]) }
    }

    @Test func curveOptionsMustFitTheSocketsRole() throws {
        let ok: [[String]] = [
            ["--from", "tcp://h:1", "--out", "x"],
            ["--from", "tcp://h:1", "--out", "x", "--curve-secret-key", "a", "--curve-server-key", "b"],
            [
                "--from", "tcp://*:1", "--out", "x", "--bind", "--curve-secret-key", "a", "--curve-allow", "b",
                "--curve-allow", "c",
            ],
        ]
        for arguments in ok { _ = try Record.parse(arguments) }
        let bad: [[String]] = [
            ["--from", "tcp://h:1", "--out", "x", "--curve-secret-key", "a"], // no server key
            ["--from", "tcp://h:1", "--out", "x", "--curve-server-key", "b"], // no secret
            ["--from", "tcp://h:1", "--out", "x", "--curve-secret-key", "a", "--curve-allow", "b"], // allow when connecting
            ["--from", "tcp://*:1", "--out", "x", "--bind", "--curve-secret-key", "a"], // bind, nobody allowed
            ["--from", "tcp://*:1", "--out", "x", "--bind", "--curve-secret-key", "a", "--curve-server-key", "b"],
        ]
        for arguments in bad { #expect(throws: (any Error).self, "\(arguments)") { try Record.parse(arguments) } }
        #expect(throws: (any Error).self) { try Replay.parse(["f", "--to", "tcp://*:1", "--curve-secret-key", "a"]) }
        _ = try Replay.parse([
            "f", "--to", "tcp://h:1", "--connect", "--curve-secret-key", "a", "--curve-server-key", "b",
        ])
        let proxyBad: [[String]] = [
            ["--backend", "tcp://*:1"],
            ["--frontend", "tcp://a:1", "tcp://b:1", "--backend", "tcp://*:1", "--curve-secret-key", "k"],
            ["--frontend", "tcp://a:1", "--backend", "tcp://*:1", "--curve-allow", "c"],
            [
                "--frontend", "tcp://a:1", "tcp://b:1", "tcp://c:1", "--backend", "tcp://*:1", "--curve-secret-key",
                "k",
                "--frontend-server-key", "1", "--frontend-server-key", "2",
            ],
            ["--frontend", "a:1", "--backend", "tcp://*:1"],
        ]
        for arguments in proxyBad {
            #expect(throws: (any Error).self, "\(arguments)") { try ProxyCommand.parse(arguments) }
        }
        let proxy = try ProxyCommand.parse([
            "--frontend", "tcp://a:1", "tcp://b:1", "--frontend", "tcp://c:1", "--backend", "tcp://*:1",
        ])
        #expect(proxy.frontend == ["tcp://a:1", "tcp://b:1", "tcp://c:1"])
    }

    /// replay binds as a CURVE server allowing the recorder's key; record connects pinning the replayer's key.
    /// A recorder with another key gets nothing.
    @Test(arguments: [true, false])
    func recordAndReplayWithKeys(listed: Bool) async throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Import.parse([try simulateTiny(dir, points: 20), "--out", "\(dir)/a.csicap", "--rate", "200"]).run()
        for name in ["replayer", "recorder", "other"] { try Keygen.parse(["--out", "\(dir)/\(name)"]).run() }
        let port = freeTCPPort()
        let replayOptions = try Replay.parse([
            "\(dir)/a.csicap", "--to", "tcp://127.0.0.1:\(port)",
            "--curve-secret-key", "\(dir)/replayer.key_secret", "--curve-allow", "\(dir)/recorder.key",
        ])
        let recorderKey = listed ? "recorder" : "other"
        let recordOptions = try Record.parse([
            "--from", "tcp://127.0.0.1:\(port)", "--out", "\(dir)/b.csicap",
            "--curve-secret-key", "\(dir)/\(recorderKey).key_secret",
            "--curve-server-key", "\(dir)/replayer.key",
        ])
        var replay = CaptureReplayer.Configuration(path: "\(dir)/a.csicap", endpoint: replayOptions.to)
        (replay.security, replay.allowedClients) = try replayOptions.curve.security(binding: true, zapDomain: "replay")
        replay.speed = .maximum
        replay.waitForSubscribers = .seconds(listed ? 10 : 1)
        var record = CaptureRecorder.Configuration(endpoint: recordOptions.from, path: "\(dir)/b.csicap")
        (record.security, record.allowedClients) = try recordOptions.curve.security(binding: false, zapDomain: "record")
        record.count = 20
        record.duration = .seconds(listed ? 20 : 2)
        #expect(replay.security.isEncrypted && record.security.isEncrypted && replay.allowedClients.count == 1)
        // Separate contexts, as two processes would have.
        let replayContext = try Context(), recordContext = try Context()
        let r = record, p = replay
        async let got = DedicatedThread.run(name: "record") {
            try CaptureRecorder(configuration: r, context: recordContext).run()
        }
        async let sent = DedicatedThread.run(name: "replay") {
            try CaptureReplayer(configuration: p, context: replayContext).run()
        }
        let (s, g) = try await (sent, got)
        replayContext.terminate()
        recordContext.terminate()
        #expect(s.sent == 20)
        #expect(g.records == (listed ? 20 : 0))
        #expect(s.subscriberSeen == listed)
    }

    /// `csiloc proxy` as a process: forwards, and SIGTERM stops it cleanly (exit 0, counters printed).
    @Test(.enabled(if: RunAnywhereTests.csiloc != nil, "needs the csiloc executable built next to the tests"))
    func proxyProcessForwardsAndStopsOnSIGTERM() async throws {
        try await onThread {
            let context = try Context()
            let publishers = try (0..<2).map { _ in try Publisher(context: context, bind: ["tcp://127.0.0.1:*"]) }
            let port = freeTCPPort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RunAnywhereTests.csiloc!)
            process.arguments =
                ["proxy", "--frontend"] + publishers.map(\.lastEndpoint) + [
                    "--backend", "tcp://127.0.0.1:\(port)", "--quiet",
                ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let seen = Mutex<Set<[UInt8]>>([])
            let subscriber = try Subscriber(
                context: context,
                configuration: .init(
                    endpoints: [.connect("tcp://127.0.0.1:\(port)")],
                    topics: ["pos/v1/"])
            ) { parts in
                seen.withLock { _ = $0.insert(parts[1]) }
            }
            defer {
                subscriber.stop()
                subscriber.join()
                for publisher in publishers { publisher.close() }
                context.terminate()
            }
            let through = waitUntil(timeout: .seconds(20)) {
                for (index, publisher) in publishers.enumerated() {
                    try? publisher.publish([Array("pos/v1/\(index)/1".utf8), [UInt8(index)]])
                }
                usleep(20_000)
                return seen.withLock { $0.count } == 2
            }
            #expect(through)
            process.terminate() // SIGTERM
            let exited = waitUntil(timeout: .seconds(5)) { !process.isRunning }
            #expect(exited)
            if !exited { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0 && process.terminationReason == .exit)
            #expect(text.contains("proxy: stopped after") && text.contains("forwarded"), "\(text)")
        }
    }
}

/// Runs blocking test code on a dedicated thread so no test blocks the cooperative pool.
private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Polls `condition` until it holds or `timeout` passes.
private func waitUntil(timeout: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close), for peers that must
/// bind a known port themselves (a subprocess).
private func freeTCPPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
