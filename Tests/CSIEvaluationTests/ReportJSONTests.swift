import CSIChannel
import CSIEvaluation
import Foundation
import Testing

/// The typed reports write the keys the CLI always printed (docs/localization.md, docs/replay.md, docs/model.md)
/// and read back to equal values.
struct ReportJSONTests {
    static let figureKeys: Set<String> = [
        "points", "median_error_m", "p75_error_m", "p90_error_m", "p95_error_m", "p99_error_m", "mean_error_m",
        "gross_error_rate", "wavelength_m", "frames_per_second", "threads", "build_seconds",
    ]

    /// Equal up to the last bits (JSONSerialization's number parsing is not always exact).
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-14 * max(abs(a), abs(b)) }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// A result with errors on both sides of λ/2 and mixed LoS.
    static func result(name: String = "robust", count: Int = 40, seed: UInt64 = 1) -> (MethodResult, [Bool]) {
        var rng = TestRandom(state: seed)
        let errors = (0..<count).map { _ in rng.next() * 0.08 }
        let estimates = errors.map { Point3($0, 0, 0) }
        return (
            MethodResult(
                name: name, estimates: estimates, errors: errors, seconds: 0.5, buildSeconds: 0.25, threads: 2),
            (0..<count).map { $0 % 3 != 0 }
        )
    }

    @Test func methodReportKeysValuesAndRoundTrip() throws {
        let (r, los) = Self.result()
        let wavelength = 0.0857
        let report = MethodReport(r, wavelength: wavelength, los: los)
        let text = try ReportJSON.encode(report)
        let o = try Self.object(text)
        #expect(Set(o.keys) == Self.figureKeys.union(["method", "los", "nlos"]))
        let s = ErrorStatistics(errors: r.errors, grossThreshold: wavelength / 2)
        func number(_ key: String) -> Double { (o[key] as? Double) ?? .nan }
        #expect(Self.close(number("median_error_m"), s.median) && Self.close(number("p99_error_m"), s.p99))
        #expect(Self.close(number("gross_error_rate"), s.grossErrorRate) && o["points"] as? Int == r.errors.count)
        #expect(Self.close(number("frames_per_second"), r.framesPerSecond))
        let losObject = try #require(o["los"] as? [String: Any])
        #expect(Set(losObject.keys) == ["points", "median_error_m", "p90_error_m", "gross_error_rate"])
        #expect(losObject["points"] as? Int == los.filter { $0 }.count)
        #expect(try ReportJSON.decode(MethodReport.self, from: text) == report)
    }

    @Test func keysAreWrittenSortedOnOneLine() throws {
        let text = try ReportJSON.encode(MethodReport(Self.result().0, wavelength: 0.1, los: nil))
        #expect(!text.contains("\n"))
        let keys = try Self.object(text).keys.sorted()
        let positions = keys.map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func nonFiniteFiguresAreNull() throws {
        let empty = MethodResult(name: "3nn", estimates: [], errors: [], seconds: 1)
        let text = try ReportJSON.encode(MethodReport(empty, wavelength: 0.1, los: nil))
        let o = try Self.object(text)
        #expect(o["median_error_m"] is NSNull && o["gross_error_rate"] is NSNull && o["mean_error_m"] is NSNull)
        #expect(o["points"] as? Int == 0)
        let back = try ReportJSON.decode(MethodReport.self, from: text)
        #expect(back.figures.medianErrorM.isNaN)
    }

    @Test func localizeReportRepeatsTheFirstMethodAtTheTop() throws {
        let (a, los) = Self.result(name: "robust")
        let (b, _) = Self.result(name: "3nn", seed: 2)
        let report = LocalizeReport(
            data: "out/test.npz", model: "oracle(tiny)", points: 40, condition: "5 dB SNR",
            methods: [MethodReport(a, wavelength: 0.1, los: los), MethodReport(b, wavelength: 0.1, los: los)])
        let text = try ReportJSON.encode(report)
        #expect(text.contains(#""data":"out\/test.npz""#))
        let o = try Self.object(text)
        #expect(Set(o.keys) == Self.figureKeys.union(["data", "model", "condition", "methods", "los", "nlos"]))
        let methods = try #require(o["methods"] as? [[String: Any]])
        #expect(methods.map { $0["method"] as? String } == ["robust", "3nn"])
        for key in Self.figureKeys { #expect("\(o[key]!)" == "\(methods[0][key]!)", "\(key)") }
        #expect(try ReportJSON.decode(LocalizeReport.self, from: text) == report)
    }

    @Test func evaluationReportsRoundTrip() throws {
        let (a, los) = Self.result()
        var m = MethodReport(a, wavelength: 0.1, los: los)
        m.figures.estimatesDigest = EstimatesDigest.sha256(a.estimates)
        let capture = CaptureEvaluationReport(
            capture: "a.csicap", model: "oracle(x)", points: 40, methods: [m], records: 44, withoutTruth: 3,
            rejected: ["not_csi": 1], dimensionMismatch: 0, captureDamage: [], wavelengthSource: "capture carrier",
            track: nil)
        let text = try ReportJSON.encode(capture)
        let o = try Self.object(text)
        #expect(
            Set([
                "capture", "records", "without_truth", "rejected", "dimension_mismatch", "capture_damage",
                "wavelength_source", "estimates_digest", "condition",
            ]).isSubset(of: Set(o.keys)))
        #expect(o["condition"] as? String == "as recorded")
        #expect(try ReportJSON.decode(CaptureEvaluationReport.self, from: text) == capture)

        var live = m
        live.method = "daemon"
        live.figures.threads = nil
        live.figures.buildSeconds = nil
        let positions = PositionsEvaluationReport(
            positions: "p.csicap", truth: "t.csicap", method: live, matched: 40, failed: 0, duplicateFixes: 1,
            unmatchedFixes: 2,
            missingFrames: 3, undecodable: 0, positionRecords: 43, truthFrames: 43, latencyMsMedian: .nan,
            horizontal: false,
            wavelengthSource: "--carrier", captureDamage: [], truthCaptureDamage: [], track: nil)
        let ptext = try ReportJSON.encode(positions)
        let p = try Self.object(ptext)
        #expect(p["latency_ms_median"] is NSNull && p["threads"] == nil && p["build_seconds"] == nil)
        #expect(p["condition"] as? String == "live" && (p["methods"] as? [Any])?.count == 1)
        #expect(try ReportJSON.decode(PositionsEvaluationReport.self, from: ptext) == positions)
    }

    @Test func trackReportHasNoThroughput() throws {
        var score = TrackScore(result: Self.result().0)
        score.events = ["updated": 30, "outlier": 10]
        score.speedErrors = [0.01, 0.2, 0.05]
        let report = TrackReport(score, wavelength: 0.1)
        let o = try Self.object(try ReportJSON.encode(report))
        #expect(o["frames_per_second"] == nil && o["threads"] == nil && o["build_seconds"] == nil)
        #expect(o["method"] as? String == "robust")
        #expect(o["speed_frames_off_by_over_10_percent"] as? Double == 1.0 / 3)
        #expect((o["events"] as? [String: Int]) == ["updated": 30, "outlier": 10])
        #expect(try ReportJSON.decode(TrackReport.self, from: try ReportJSON.encode(report)) == report)
    }
}
