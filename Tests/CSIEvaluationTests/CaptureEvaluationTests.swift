import CSICapture
import CSIChannel
import CSIEvaluation
import CSISearch
import CSIWire
import Foundation
import Testing

/// `evaluate`'s engines through the library: a capture localized offline, then the same estimates as a
/// daemon's published fixes matched back to the truth.
struct CaptureEvaluationTests {
    /// A dataset of the tiny scene imported as a capture (with truth and the scene's carrier).
    static func capture(_ dir: String, count: Int) throws -> (path: String, test: TestSet) {
        let sim = ChannelSimulator(scene: tinyScene)
        let test = TestSet.simulate(sim, count: count, seed: 21)
        let dataset = CSIDataset(
            positions: test.positions, csi: test.csi, frequencies: tinyScene.subcarriers.frequencies,
            antennas: tinyScene.array.positions, carrier: tinyScene.subcarriers.carrier)
        let path = dir + "/test.csicap"
        try DatasetImporter(dataset: dataset, options: DatasetImporter.Options()).write(to: path)
        return (path, test)
    }

    @Test func offlineEvaluationLocalizesEveryLabelledFrame() throws {
        let dir = try scratchDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, test) = try Self.capture(dir, count: 24)
        var request = CaptureEvaluation.Request(threads: 2)
        request.limit = 20
        request.tracker = try TrackScoring.trackerConfiguration("{acceleration_psd: 1}")
        let run = try CaptureEvaluation.run(capture: path, model: .oracle(tinyScene), request: request)
        #expect(run.test.count == 20 && run.frames.recordsRead == 24)
        #expect(run.wavelengthSource == "capture carrier")
        #expect(abs(run.wavelength - tinyScene.subcarriers.wavelength) <= 1e-12 * run.wavelength)
        let direct = try LocalizationRunner.run(
            name: "robust", model: ChannelSimulator(scene: tinyScene), region: tinyScene.ueRegion,
            configuration: SearchMethod.robust.configuration,
            test: TestSet(
                positions: Array(test.positions.prefix(20)), csi: Array(test.csi.prefix(20 * test.valuesPerChannel)),
                valuesPerChannel: test.valuesPerChannel), width: 1)
        #expect(run.results[0].estimates == direct.estimates)
        // The tracker saw every frame once.
        let track = try #require(run.track)
        #expect(track.events.values.reduce(0, +) + track.untracked == 20 && track.result.name == "robust+track")
        let report = run.report
        #expect(report.methods[0].figures.estimatesDigest == EstimatesDigest.sha256(direct.estimates))
        #expect(report.track?.method == "robust+track" && report.records == 24 && report.captureDamage.isEmpty)
        #expect(run.lines.contains("  estimates digest \(EstimatesDigest.sha256(direct.estimates))"))
        // A capture without frames of the model's shape is refused, naming the file.
        var other = CaptureEvaluation.Request(threads: 1)
        other.methods = [.ongridPS]
        let wrongShape = EvaluationModel.oracle(try tinyScene.resized(antennas: 8, subcarriers: nil))
        #expect(
            performing: { try CaptureEvaluation.run(capture: path, model: wrongShape, request: other) },
            throws: { ($0 as? EvaluationError)?.message.hasPrefix(path) == true })
    }

    @Test func publishedFixesAreMatchedToTheTruth() throws {
        let dir = try scratchDirectory("positions")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, test) = try Self.capture(dir, count: 12)
        let truth = try LabeledCapture.load(path: path, keepSamples: false)
        // What a daemon would have published: the truth shifted by 1 mm in x, every frame but the last.
        let writer = try CaptureWriter(
            path: dir + "/fixes.csicap", metadata: CaptureMetadata(tool: "test", toolVersion: "", kind: .positions))
        for (key, p) in zip(truth.keys, test.positions).dropLast() {
            var fix = PositionFix(
                seq: key.seq, receiverID: key.receiverID, ueID: key.ueID, tCaptureNs: 0, tPublishNs: 0,
                position: p + Point3(0.001, 0, 0))
            fix.latencyMs = 2
            try writer.append(parts: fix.messageParts(), tRecvNs: 1_000_000_000 + Int64(key.seq) * 10_000_000)
        }
        try writer.close()
        let run = try PositionsEvaluation.run(
            positions: dir + "/fixes.csicap", truth: path, horizontal: false, carrier: nil, track: false)
        #expect(run.match.matched.count == 11 && run.match.missingFrames == 1)
        #expect(run.result.errors.allSatisfy { abs($0 - 0.001) < 1e-9 })
        #expect(run.latencyMedianMs == 2)
        let report = run.report
        #expect(report.method.method == "daemon" && report.method.figures.threads == nil && report.missingFrames == 1)
        #expect(abs(report.method.figures.medianErrorM - 0.001) < 1e-9)
        // No carrier anywhere: refused, naming the truth file.
        #expect(throws: EvaluationError.self) {
            var frames = truth
            frames.metadata = nil
            _ = try PositionsEvaluation.wavelength(frames, carrier: nil, file: path)
        }
    }
}
