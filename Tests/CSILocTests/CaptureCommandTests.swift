import ArgumentParser
import CSICapture
import CSIChannel
import CSIEvaluation
import CSIWire
import Foundation
import NumpyArchive
import Testing
import ZMQ

@testable import csiloc

/// Package root (for etc/scenes), from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let tinyScene = "\(packageRoot)/etc/scenes/tiny-los.yaml"

/// Whether `python3 -c 'import numpy'` works.
let hasNumpy: Bool = (try? python("import numpy")) == 0

@discardableResult
func python(_ script: String, _ args: [String] = []) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

func scratch() throws -> String {
    let path = "/tmp/csiloc-cli-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// `csiloc simulate` on the tiny scene (4 × 4, 1 m²): a dataset that localizes in milliseconds.
func simulateTiny(_ dir: String, points: Int, seed: Int = 5) throws -> String {
    let path = "\(dir)/tiny.npz"
    try Simulate.parse(["--scene", tinyScene, "--points", "\(points)", "--seed", "\(seed)", "--out", path]).run()
    return path
}

@Suite("Capture commands: import, evaluate, replay (CLI level)")
struct CaptureCommandTests {
    @Test(
        "import of a numpy-written NPZ + evaluate give localize's estimates (oracle tiny-los)",
        .enabled(if: hasNumpy, "needs python3 with numpy"))
    func evaluateAgreesWithLocalize() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try simulateTiny(dir, points: 40)
        let npz = "\(dir)/numpy.npz"
        // Re-save with numpy (compressed, with a LoS mask) so the input really is numpy-written.
        let status = try python(
            """
            import sys, numpy as np
            d = dict(np.load(sys.argv[1]))
            d["los"] = np.arange(len(d["positions"])) % 3 != 0
            d["csi"] = d["csi"].astype(np.complex64)
            np.savez_compressed(sys.argv[2], **d)
            """, [simulated, npz])
        try #require(status == 0)
        for snr in [nil, 15.0] as [Double?] {
            let capture = "\(dir)/test-\(snr ?? 0).csicap", estimates = "\(dir)/est-\(snr ?? 0).npz"
            let noise = snr.map { ["--snr-db", "\($0)", "--seed", "4"] } ?? []
            try Import.parse([npz, "--out", capture] + noise).run()
            try Localize.parse(
                ["--data", npz, "--oracle-scene", tinyScene, "--out", estimates, "--threads", "2"] + noise
            ).run()
            let outcome = try Evaluate.parse(["--capture", capture, "--oracle-scene", tinyScene, "--threads", "2"])
                .evaluateCapture(capture)
            let reference = try NPZArchive(path: estimates).doubles("estimates").values
            let evaluated = outcome.results[0].estimates.flatMap { [$0.x, $0.y, $0.z] }
            #expect(outcome.test.count == 40)
            #expect(outcome.test.los?.count == 40)
            #expect(evaluated.count == reference.count)
            #expect(zip(evaluated, reference).allSatisfy { abs($0 - $1) <= 1e-9 }, "snr \(String(describing: snr))")
            let truth = try NPZArchive(path: estimates).doubles("positions").values
            #expect(outcome.test.positions.flatMap { [$0.x, $0.y, $0.z] } == truth)
        }
    }

    @Test("replays at max and at real time give identical estimates digests")
    func digestAcrossSpeeds() async throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Import.parse([try simulateTiny(dir, points: 25), "--out", "\(dir)/a.csicap", "--rate", "80"]).run()
        var digests: [String] = []
        for (name, speed) in [("max", ReplaySpeed.maximum), ("one", .realTime)] {
            let endpoint = "ipc://\(dir)/\(name).ipc", output = "\(dir)/\(name).csicap"
            let context = try Context()
            var record = CaptureRecorder.Configuration(endpoint: endpoint, path: output)
            record.count = 25
            record.duration = .seconds(20)
            var replay = CaptureReplayer.Configuration(path: "\(dir)/a.csicap", endpoint: endpoint)
            replay.speed = speed
            replay.waitForSubscribers = .seconds(10)
            let r = record, p = replay
            async let sent = DedicatedThread.run(name: "replay") {
                try CaptureReplayer(configuration: p, context: context).run()
            }
            async let got = DedicatedThread.run(name: "record") {
                try CaptureRecorder(configuration: r, context: context).run()
            }
            let (s, g) = try await (sent, got)
            context.terminate()
            #expect(s.sent == 25 && g.records == 25)
            let outcome = try Evaluate.parse(["--capture", output, "--oracle-scene", tinyScene]).evaluateCapture(output)
            digests.append(EstimatesDigest.sha256(outcome.results[0].estimates))
        }
        let original = try Evaluate.parse(["--capture", "\(dir)/a.csicap", "--oracle-scene", tinyScene])
            .evaluateCapture("\(dir)/a.csicap")
        #expect(digests[0] == digests[1])
        #expect(digests[0] == EstimatesDigest.sha256(original.results[0].estimates))
    }

    @Test("evaluate and replay continue on a truncated, bit-flipped capture and report the damage")
    func damagedCapture() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/a.csicap"
        try Import.parse([try simulateTiny(dir, points: 12), "--out", path]).run()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let recordSize = 8 + 10 + (4 + 10) + (4 + 64) + (4 + 128) + 4 // topic csi/v1/1/1, header, 4×4 cf32
        let extensionSizes = try CaptureReader(path: path).readAll().map { $0.parts[3].count + 4 }
        let sizes = extensionSizes.map { recordSize + $0 }
        let headerEnd = bytes.count - sizes.reduce(0, +)
        bytes[headerEnd + sizes[0] + sizes[1] + 90] ^= 0x01 // a payload bit of record 2
        bytes.removeLast(5) // tear the last record
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let evaluate = try Evaluate.parse(["--capture", path, "--oracle-scene", tinyScene])
        let outcome = try evaluate.evaluateCapture(path)
        #expect(outcome.test.count == 10)
        #expect(outcome.frames.report.damage.map(\.reason) == [.recordCRCMismatch, .truncatedRecord])
        try evaluate.report(outcome) // prints the summary and the damage warnings; must not throw
        let lines = CaptureDamageText.lines(outcome.frames.report, file: path, command: "evaluate")
        #expect(lines.count == 3 && lines[0].contains("2 stretch(es)"))
        // Replay of the same file: 10 sent, damage in the summary, no error.
        let context = try Context()
        defer { context.terminate() }
        var config = CaptureReplayer.Configuration(path: path, endpoint: "ipc://\(dir)/dmg.ipc")
        config.speed = .maximum
        config.waitForSubscribers = .zero
        let progress = try CaptureReplayer(configuration: config, context: context).run()
        #expect(progress.sent == 10)
        let summary = Replay.summary(progress, file: path, endpoint: config.endpoint, speed: .maximum)
        #expect(summary.contains { $0.contains("record_crc_mismatch") })
        #expect(summary.contains { $0.contains("truncated_record") })
    }

    @Test("evaluate --positions matches fixes to the truth capture")
    func positionsForm() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let truth = "\(dir)/truth.csicap"
        try Import.parse([try simulateTiny(dir, points: 10), "--out", truth]).run()
        let outcome = try Evaluate.parse(["--capture", truth, "--oracle-scene", tinyScene]).evaluateCapture(truth)
        // Publish what a daemon would have: one fix per frame, except the last.
        let writer = try CaptureWriter(
            path: "\(dir)/fixes.csicap",
            metadata: CaptureMetadata(tool: "test", toolVersion: "", kind: .positions))
        for (key, estimate) in zip(outcome.frames.keys, outcome.results[0].estimates).dropLast() {
            let fix = PositionFix(
                seq: key.seq, receiverID: key.receiverID, ueID: key.ueID, tCaptureNs: 0,
                tPublishNs: 0, position: estimate)
            try writer.append(parts: fix.messageParts(), tRecvNs: 1_000_000_000 + Int64(key.seq) * 10_000_000)
        }
        try writer.close()
        let match = try PositionMatch.match(
            positionsPath: "\(dir)/fixes.csicap",
            truth: LabeledCapture.load(path: truth, keepSamples: false))
        #expect(match.matched.count == 9 && match.missingFrames == 1)
        let result = PositionsEvaluation.methodResult(match, horizontal: false)
        #expect(result.errors == Array(outcome.results[0].errors.prefix(9)))
        try Evaluate.parse([
            "--positions", "\(dir)/fixes.csicap", "--truth", truth, "--json",
            "--picture", "\(dir)/cdf.svg",
        ]).run()
        #expect(FileManager.default.fileExists(atPath: "\(dir)/cdf.svg"))
    }
}
