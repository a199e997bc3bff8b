import Foundation
import Testing

@testable import CSIWire

@Suite struct PositionFixTests {
    static let k95 = (-2 * log(0.05)).squareRoot() // ≈ 2.4477

    static func sampleFix() -> PositionFix {
        PositionFix(
            seq: 99121, receiverID: 3, ueID: 17, tCaptureNs: 1_700_000_000_123_456_789,
            tPublishNs: 1_700_000_000_130_856_789, position: SIMD3(3.412, -1.077, 1.2), frame: "scene",
            covariance: [4e-4, 1e-5, 1e-5, 1e-4], status: .ok, cost: 0.07, latencyMs: 7.4,
            model: "mbinr-site-a@sha256:0123abcd", truthErrorM: 0.031,
            stages: ["grid_ms": 1.5, "lm_iters": 12, "converged": true])
    }

    @Test func scaleFactor() {
        #expect(abs(UncertaintyEllipse.scaleFactor(confidence: 0.95)! - 2.447746830680816) < 1e-12)
        #expect(abs(UncertaintyEllipse.scaleFactor(confidence: 1 - exp(-0.5))! - 1) < 1e-12)
        #expect(UncertaintyEllipse.scaleFactor(confidence: 0) == nil)
        #expect(UncertaintyEllipse.scaleFactor(confidence: 1) == nil)
    }

    @Test func diagonalCovariance() throws {
        let e = try #require(UncertaintyEllipse(covariance: [4, 0, 0, 1], confidence: 0.95))
        #expect(abs(e.semiMajorM - 2 * Self.k95) < 1e-12)
        #expect(abs(e.semiMinorM - 1 * Self.k95) < 1e-12)
        #expect(e.orientationDeg == 0)
        // Major axis along y.
        let f = try #require(UncertaintyEllipse(covariance: [1, 0, 0, 4], confidence: 0.95))
        #expect(abs(f.orientationDeg - 90) < 1e-12)
        // 3×3: the xy block is used, z ignored.
        let g = try #require(UncertaintyEllipse(covariance: [4, 0, 0, 0, 1, 0, 0, 0, 100], confidence: 0.95))
        #expect(g == e)
    }

    @Test(arguments: [0.0, 30.0, 45.0, 89.0, 120.0, 179.0])
    func rotatedCovariance(angle: Double) throws {
        // C = R diag(9, 2.25) Rᵀ, computed by hand.
        let t = angle * .pi / 180
        let (c, s) = (cos(t), sin(t))
        let (l1, l2) = (9.0, 2.25)
        let a = l1 * c * c + l2 * s * s
        let b = (l1 - l2) * c * s
        let d = l1 * s * s + l2 * c * c
        let e = try #require(UncertaintyEllipse(covariance: [a, b, b, d], confidence: 0.95))
        #expect(abs(e.semiMajorM - 3 * Self.k95) < 1e-9)
        #expect(abs(e.semiMinorM - 1.5 * Self.k95) < 1e-9)
        #expect(abs(e.orientationDeg - angle) < 1e-9)
        #expect(e.orientationDeg >= 0 && e.orientationDeg < 180)
    }

    @Test func invalidCovariances() {
        #expect(UncertaintyEllipse(covariance: [], confidence: 0.95) == nil)
        #expect(UncertaintyEllipse(covariance: [1, 2, 3], confidence: 0.95) == nil)
        #expect(UncertaintyEllipse(covariance: [-1, 0, 0, 1], confidence: 0.95) == nil)
        #expect(UncertaintyEllipse(covariance: [1, 2, 2, 1], confidence: 0.95) == nil) // eigenvalues 3, -1
        #expect(UncertaintyEllipse(covariance: [.nan, 0, 0, 1], confidence: 0.95) == nil)
        #expect(UncertaintyEllipse(covariance: [1, 0, 0, 1], confidence: 1.5) == nil)
        let isotropic = UncertaintyEllipse(covariance: [1, 0, 0, 1], confidence: 0.95)
        #expect(isotropic?.orientationDeg == 0)
        #expect(UncertaintyEllipse(covariance: [1, 1, 1, 1], confidence: 0.95)?.semiMinorM == 0) // rank 1
    }

    @Test func jsonRoundTrip() throws {
        let fix = Self.sampleFix()
        let parts = fix.messageParts()
        #expect(String(decoding: parts[0], as: UTF8.self) == "pos/v1/3/17")
        let back = try PositionFix(parts: parts)
        #expect(back == fix)
        #expect(back.jsonBytes() == fix.jsonBytes())
    }

    @Test func jsonIsDeterministicWithSortedKeys() throws {
        let text = String(decoding: Self.sampleFix().jsonBytes(), as: UTF8.self)
        #expect(
            text.hasPrefix(
                #"{"class":"FIX","cost":0.07,"cov":[0.0004,1e-05,1e-05,0.0001],"ellipse":{"confidence":0.95,"#))
        #expect(
            text.contains(
                #""receiver":3,"seq":99121,"stages":{"converged":true,"grid_ms":1.5,"lm_iters":12},"status":"ok","t_capture_ns":1700000000123456789"#
            ))
        #expect(text.hasSuffix(#""truth_error_m":0.031,"ue":17,"v":1,"x":3.412,"y":-1.077,"z":1.2}"#))
        // Python-style key order check: keys appear sorted.
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value.serializedString() == text)
    }

    @Test func nonFiniteNumbersBecomeNullAndBack() throws {
        var fix = Self.sampleFix()
        fix.position = SIMD3(.nan, .infinity, 0)
        fix.status = .failed
        fix.cost = .nan
        fix.covariance = []
        fix.ellipse = nil
        fix.truthErrorM = nil
        fix.stages = nil
        let text = String(decoding: fix.jsonBytes(), as: UTF8.self)
        #expect(text.contains(#""x":null,"y":null,"z":0.0"#))
        #expect(text.contains(#""ellipse":null"#))
        #expect(!text.contains("truth_error_m") && !text.contains("stages"))
        let back = try PositionFix(jsonBytes: fix.jsonBytes())
        #expect(back.position.x.isNaN && back.position.y.isNaN && back.status == .failed)
        #expect(
            back.isIdentical(
                to: PositionFix(
                    seq: fix.seq, receiverID: 3, ueID: 17, tCaptureNs: fix.tCaptureNs, tPublishNs: fix.tPublishNs,
                    position: SIMD3(.nan, .nan, 0), covariance: [], status: .failed, cost: .nan, latencyMs: 7.4,
                    model: fix.model)))
    }

    @Test func decodesPythonStyleJSONAndRejectsBadInput() throws {
        let python =
            #"{"class": "FIX", "v": 1, "seq": 18446744073709551615, "receiver": 1, "ue": 2, "t_capture_ns": -1, "t_publish_ns": 0, "x": 1, "y": 2.5, "z": null, "status": "suspect", "extra_member": [1, 2]}"#
        let fix = try PositionFix(jsonBytes: Array(python.utf8))
        #expect(fix.seq == .max && fix.position.x == 1 && fix.position.z.isNaN && fix.status == .suspect)
        #expect(fix.covariance.isEmpty && fix.ellipse == nil && fix.cost.isNaN && fix.frame.isEmpty)

        let broken = [
            #"{"class": "POS", "v": 1}"#,
            python.replacingOccurrences(of: #""v": 1"#, with: #""v": 2"#),
            python.replacingOccurrences(of: #""status": "suspect""#, with: #""status": "great""#),
            python.replacingOccurrences(of: #""receiver": 1"#, with: #""receiver": 4294967296"#),
            python.replacingOccurrences(of: #""seq": 18446744073709551615"#, with: #""seq": 1.5"#),
            python.replacingOccurrences(of: #""x": 1"#, with: #""x": "1""#),
            python.replacingOccurrences(of: #""ue": 2, "#, with: ""),
            python.replacingOccurrences(of: #""extra_member""#, with: #""cov""#),
            "[]", "{",
        ]
        for text in broken {
            #expect(throws: PositionFix.DecodingError.self, "\(text)") { try PositionFix(jsonBytes: Array(text.utf8)) }
        }
        // Topic must agree with the body.
        var parts = Self.sampleFix().messageParts()
        parts[0] = Array("pos/v1/3/18".utf8)
        #expect(throws: PositionFix.DecodingError.self) { try PositionFix(parts: parts) }
        parts[0] = Array("csi/v1/3/17".utf8)
        #expect(throws: PositionFix.DecodingError.self) { try PositionFix(parts: parts) }
    }
}
