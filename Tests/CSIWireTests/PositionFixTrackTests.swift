import Foundation
import Testing

@testable import CSIWire

@Suite struct PositionFixTrackTests {
    static func trackedFix(dimension: Int) -> PositionFix {
        let cov2: [Double] = [1e-4, 2e-5, 2e-5, 4e-4], vcov2: [Double] = [0.01, 0, 0, 0.04]
        let cov3: [Double] = [1e-4, 2e-5, 0, 2e-5, 4e-4, 0, 0, 0, 9e-4],
            vcov3: [Double] = [0.01, 0, 0, 0, 0.04, 0, 0, 0, 0.09]
        let track = PositionFix.Track(
            position: SIMD3(1.25, -0.5, 1.5), velocity: SIMD3(0, -1.5, dimension == 3 ? 0.25 : 0),
            covariance: dimension == 2 ? cov2 : cov3, velocityCovariance: dimension == 2 ? vcov2 : vcov3,
            event: "updated", updates: 42, ageSeconds: 0.41, sinceUpdateSeconds: 0, nis: 1.5)
        return PositionFix(
            seq: 7, receiverID: 1, ueID: 2, tCaptureNs: 1_767_225_600_000_000_000,
            tPublishNs: 1_767_225_600_001_000_000, position: SIMD3(1.26, -0.49, 1.5), frame: "street-local",
            covariance: [1e-4, 0, 0, 1e-4], status: .ok, cost: 0.5, latencyMs: 1, model: "m", track: track)
    }

    /// The exact bytes of a 2-D track: keys sorted at every level, derived members (speed, heading counter-clockwise
    /// from +x, climb, eph = 2·√(σx²+σy²), eps = 2σ along the velocity), no `epv_m` in 2-D.
    @Test func twoDimensionalTrackBytes() throws {
        let text = String(decoding: Self.trackedFix(dimension: 2).jsonBytes(), as: UTF8.self)
        let e = try #require(UncertaintyEllipse(covariance: [1e-4, 2e-5, 2e-5, 4e-4], confidence: 0.95))
        let expected =
            "{\"age_s\":0.41,\"climb_mps\":0.0,\"cov\":[0.0001,2e-05,2e-05,0.0004],"
            + "\"ellipse\":{\"confidence\":0.95,\"orientation_deg\":\(JSONValue.double(e.orientationDeg).serialized().text),"
            + "\"semi_major_m\":\(JSONValue.double(e.semiMajorM).serialized().text),\"semi_minor_m\":\(JSONValue.double(e.semiMinorM).serialized().text)},"
            + "\"eph_m\":\(JSONValue.double(2 * (5e-4).squareRoot()).serialized().text),\"eps_mps\":0.4,\"event\":\"updated\","
            + "\"heading_deg\":270.0,\"nis\":1.5,\"since_update_s\":0.0,\"speed_mps\":1.5,\"updates\":42,"
            + "\"vel_cov\":[0.01,0.0,0.0,0.04],\"vx\":0.0,\"vy\":-1.5,\"vz\":0.0,\"x\":1.25,\"y\":-0.5,\"z\":1.5}"
        // `track` sorts between `t_publish_ns` and `ue`.
        #expect(text.contains("\"t_publish_ns\":1767225600001000000,\"track\":" + expected + ",\"ue\":2,"), "\(text)")
    }

    @Test func roundTripAndDeterminism() throws {
        for d in [2, 3] {
            let fix = Self.trackedFix(dimension: d)
            let bytes = fix.jsonBytes()
            #expect(bytes == Self.trackedFix(dimension: d).jsonBytes())
            let back = try PositionFix(jsonBytes: bytes)
            #expect(back.track == fix.track)
            #expect(back.isIdentical(to: fix))
            #expect(back.jsonBytes() == bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("\"epv_m\":") == (d == 3))
        }
        // No track: no member; outlier status round-trips.
        var plain = Self.trackedFix(dimension: 2)
        plain.track = nil
        plain.status = .outlier
        let text = String(decoding: plain.jsonBytes(), as: UTF8.self)
        #expect(!text.contains("track") && text.contains("\"status\":\"outlier\""))
        #expect(try PositionFix(jsonBytes: plain.jsonBytes()).status == .outlier)
    }

    @Test func atRestHeadingIsNull() throws {
        var fix = Self.trackedFix(dimension: 2)
        fix.track!.velocity = .zero
        let text = String(decoding: fix.jsonBytes(), as: UTF8.self)
        #expect(text.contains("\"heading_deg\":null"))
        #expect(text.contains("\"eps_mps\":\(JSONValue.double(2 * 0.025.squareRoot()).serialized().text)"))
    }

    @Test func malformedTrackIsAnError() {
        let base = String(decoding: Self.trackedFix(dimension: 2).jsonBytes(), as: UTF8.self)
        for (from, to) in [
            ("\"event\":\"updated\",", ""), ("\"vx\":0.0,", ""),
            ("\"vel_cov\":[0.01,0.0,0.0,0.04]", "\"vel_cov\":[1,2,3]"),
            ("\"updates\":42", "\"updates\":\"many\""),
        ] {
            let bad = base.replacingOccurrences(of: from, with: to)
            #expect(bad != base)
            #expect(throws: PositionFix.DecodingError.self) { try PositionFix(jsonBytes: Array(bad.utf8)) }
        }
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
