import Foundation

extension PositionFix {
    /// The filtered state of the fix's (receiver, UE) track at the fix's time: the `track` member
    /// (docs/protocol.md §2.5). Derived members (speed, heading, climb, eph/epv/eps, ellipse) are computed from
    /// these values when encoding and ignored when decoding.
    public struct Track: Sendable, Equatable {
        /// Filtered position, metres (z = the fix's z for a 2-D track).
        public var position: SIMD3<Double>
        /// Filtered velocity, m/s (vz = 0 for a 2-D track).
        public var velocity: SIMD3<Double>
        /// Row-major position covariance, m²: 4 values (x, y) or 9 (x, y, z).
        public var covariance: [Double]
        /// Row-major velocity covariance, m²/s², same size as `covariance`.
        public var velocityCovariance: [Double]
        /// What the tracker did with this fix: `started`, `updated`, `outlier`, `unused`, `late`, `restarted_gap`,
        /// `restarted_outliers`, `restarted_clock`.
        public var event: String
        /// Fixes the track has used since it (re)started.
        public var updates: Int
        /// Seconds from the track's start to this fix.
        public var ageSeconds: Double
        /// Seconds from the track's last update to this fix.
        public var sinceUpdateSeconds: Double
        /// Normalized innovation squared of the fix against the track's prediction (NaN when not gated).
        public var nis: Double

        /// Creates a track block: `position` (m) and `velocity` (m/s), their row-major covariances (m², m²/s²; 4 or 9
        /// values), the tracker's `event`, update count, ages in seconds and the fix's normalized innovation squared.
        public init(
            position: SIMD3<Double>, velocity: SIMD3<Double>, covariance: [Double], velocityCovariance: [Double],
            event: String, updates: Int, ageSeconds: Double, sinceUpdateSeconds: Double, nis: Double = .nan
        ) {
            self.position = position
            self.velocity = velocity
            self.covariance = covariance
            self.velocityCovariance = velocityCovariance
            self.event = event
            self.updates = updates
            self.ageSeconds = ageSeconds
            self.sinceUpdateSeconds = sinceUpdateSeconds
            self.nis = nis
        }

        /// 2 or 3 (from the covariance's size; 3 when it has none).
        public var dimension: Int { covariance.count == 4 ? 2 : 3 }

        /// Horizontal speed, m/s (gpsd TPV `speed`).
        public var speedMps: Double { (velocity.x * velocity.x + velocity.y * velocity.y).squareRoot() }

        /// Direction of horizontal motion, degrees counter-clockwise from +x in [0, 360); NaN at zero speed.
        /// (gpsd's `track` is clockwise from true north; a scene frame has no north.)
        var headingDeg: Double {
            guard speedMps > 0 else { return .nan }
            let deg = atan2(velocity.y, velocity.x) * 180 / .pi
            return deg < 0 ? deg + 360 : (deg >= 360 ? 0 : deg)
        }

        private func variance(_ matrix: [Double], _ i: Int) -> Double {
            let d = dimension
            return matrix.count == d * d ? matrix[i * d + i] : .nan
        }

        /// 2·√(σx² + σy²) ("2DRMS", ≈ 95 % for a near-circular error), m (gpsd `eph`).
        var ephM: Double { 2 * (variance(covariance, 0) + variance(covariance, 1)).squareRoot() }

        /// 2·σz, m (gpsd `epv`); NaN for a 2-D track.
        var epvM: Double { dimension == 3 ? 2 * variance(covariance, 2).squareRoot() : .nan }

        /// 2·σ of the horizontal speed (along the velocity; isotropic when at rest), m/s (gpsd `eps`).
        var epsMps: Double {
            let d = dimension
            guard velocityCovariance.count == d * d else { return .nan }
            let a = velocityCovariance[0], b = (velocityCovariance[1] + velocityCovariance[d]) / 2,
                c = velocityCovariance[d + 1]
            let s = speedMps
            guard s > 0 else { return 2 * ((a + c) / 2).squareRoot() }
            let ux = velocity.x / s, uy = velocity.y / s
            return 2 * (ux * ux * a + 2 * ux * uy * b + uy * uy * c).squareRoot()
        }

        func jsonValue() -> JSONValue {
            var members: [String: JSONValue] = [
                "x": .double(position.x), "y": .double(position.y), "z": .double(position.z),
                "vx": .double(velocity.x), "vy": .double(velocity.y), "vz": .double(velocity.z),
                "cov": .array(covariance.map(JSONValue.double)),
                "vel_cov": .array(velocityCovariance.map(JSONValue.double)),
                "speed_mps": .double(speedMps), "heading_deg": .double(headingDeg), "climb_mps": .double(velocity.z),
                "eph_m": .double(ephM), "eps_mps": .double(epsMps),
                "event": .string(event), "updates": .integer(updates),
                "age_s": .double(ageSeconds), "since_update_s": .double(sinceUpdateSeconds), "nis": .double(nis),
            ]
            if dimension == 3 { members["epv_m"] = .double(epvM) }
            if let e = UncertaintyEllipse(covariance: covariance, confidence: PositionFix.defaultConfidence) {
                members["ellipse"] = [
                    "semi_major_m": .double(e.semiMajorM), "semi_minor_m": .double(e.semiMinorM),
                    "orientation_deg": .double(e.orientationDeg), "confidence": .double(e.confidence),
                ]
            } else {
                members["ellipse"] = .null
            }
            return .object(members)
        }

        init(json object: [String: JSONValue]) throws(DecodingError) {
            let reader = MemberReader(object: object, path: "track.")
            let covariance = try reader.optionalDoubleArray("cov") ?? []
            let velocityCovariance = try reader.optionalDoubleArray("vel_cov") ?? []
            guard [0, 4, 9].contains(covariance.count), [0, 4, 9].contains(velocityCovariance.count) else {
                throw DecodingError(message: "'track.cov' and 'track.vel_cov' must have 0, 4 or 9 values")
            }
            self.init(
                position: SIMD3(try reader.double("x"), try reader.double("y"), try reader.double("z")),
                velocity: SIMD3(try reader.double("vx"), try reader.double("vy"), try reader.double("vz")),
                covariance: covariance, velocityCovariance: velocityCovariance,
                event: try reader.string("event"),
                updates: object["updates"] == nil ? 0 : try reader.integer("updates", as: Int.self),
                ageSeconds: try reader.optionalDouble("age_s") ?? .nan,
                sinceUpdateSeconds: try reader.optionalDouble("since_update_s") ?? .nan,
                nis: try reader.optionalDouble("nis") ?? .nan)
        }
    }
}
