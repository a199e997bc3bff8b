import CSIChannel
import Foundation
import Logging
import Testing
import ZMQ

@testable import CSILocDaemon

/// tools/csi_publisher.py (pyzmq) with key files from `CurveCertificateFile` against a CURVE daemon, in both
/// input topologies. Skipped when python3 lacks numpy or pyzmq.
@Suite(.serialized)
struct PythonPublisherCurveTests {
    static let hasPyZMQ: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy, zmq, zmq.auth"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// The tiny scene's channels at `count` positions, as an NPZ dataset.
    static func writeDataset(_ path: String, count: Int) throws {
        let positions = PositionSampler.uniform(in: TinyFrames.scene.ueRegion, count: count, seed: 3)
        let simulator = TinyFrames.simulator
        let dataset = CSIDataset(
            positions: positions, csi: simulator.channels(at: positions).map { Float($0) },
            frequencies: simulator.frequencies, antennas: simulator.antennaPositions,
            carrier: TinyFrames.scene.subcarriers.carrier)
        try dataset.write(to: path)
    }

    /// Runs the script; returns its exit status and output.
    static func publish(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/tools/csi_publisher.py"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `input.bind: true`: the script connects as a CURVE client of the daemon (input and fixes).
    /// `input.bind: false`: the script binds as the CURVE server and lets the daemon's key in.
    @Test(.enabled(if: hasPyZMQ, "needs python3 with numpy and pyzmq"), arguments: [true, false])
    func publisherAndDaemonTalkCurve(daemonBinds: Bool) async throws {
        let dir = makeTemporaryDirectory("py-curve-\(daemonBinds)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TestKeys(dir)
        try Self.writeDataset(dir + "/tiny.npz", count: 40)
        let input = daemonBinds ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:\(try freeTCPPort())"
        let inputKeys = daemonBinds ? "input_clients: [keys/publisher.key]" : "input_server_key: keys/publisher.key"
        let yaml = testConfigYAML(
            input: input,
            extra: """
                curve:
                  secret_key: keys/daemon.key_secret
                  \(inputKeys)
                  output_clients: [keys/publisher.key]
                """
        ).replacingOccurrences(
            of: "  bind: true\n  max_message_bytes", with: "  bind: \(daemonBinds)\n  max_message_bytes")
        try yaml.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var logger = Logger(label: "py-curve")
        logger.logLevel = .error
        let daemon = try Daemon(configPath: dir + "/c.yaml", logger: logger)
        try daemon.start()
        defer { daemon.stop() }
        let common = [
            "--fixes", daemon.pipeline.outputEndpoint, "--rate", "50", "--count", "40", "--receiver", "2", "--wait",
            "5",
            "--curve-secret-key", dir + "/keys/publisher.key_secret", "--curve-server-key", dir + "/keys/daemon.key",
        ]
        let topology =
            daemonBinds
            ? ["--connect", daemon.pipeline.inputEndpoint ?? input]
            : ["--bind", input, "--curve-allow", dir + "/keys/daemon.key"]
        let (status, output) = try await onThread { try Self.publish([dir + "/tiny.npz"] + topology + common) }
        #expect(status == 0, "\(output)")
        // The first frames may go before the subscriptions are up (the script's 0.5 s slow-joiner pause).
        let received =
            output.split(separator: "\n").first { $0.hasPrefix("received ") }
            .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(received >= 20, "\(output)")
        #expect(output.contains("error: median"), "\(output)")
        let snapshot = daemon.metrics.snapshot()
        if daemonBinds { #expect(snapshot.curveAuthentications["input/allowed", default: 0] >= 1) }
        #expect(snapshot.curveAuthentications["output/allowed", default: 0] >= 1)

        // A secret key file others can read is refused by the script too, before anything is sent.
        chmod(dir + "/keys/publisher.key_secret", 0o644)
        let refused = try await onThread { try Self.publish([dir + "/tiny.npz"] + topology + common) }
        #expect(refused.status != 0 && refused.output.contains("chmod 600"), "\(refused.output)")
    }
}
