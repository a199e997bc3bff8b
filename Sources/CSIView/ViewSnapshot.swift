/// What the page receives (the `state` event of `GET /events`, and `GET /state`): the map's area, every UE's
/// latest fix with its ellipse, track and tails, the error against truth, and the counters. JSON with sorted
/// keys; a number that is not finite is left out (absent), never written as `NaN`.
public struct ViewSnapshot: Sendable, Equatable, Codable {
    /// An uncertainty ellipse as in docs/protocol.md §2.2.
    struct Ellipse: Sendable, Equatable, Codable {
        var semiMajorM: Double
        var semiMinorM: Double
        /// Degrees counter-clockwise from +x.
        var orientationDeg: Double
        var confidence: Double

        enum CodingKeys: String, CodingKey {
            case semiMajorM = "semi_major_m", semiMinorM = "semi_minor_m", orientationDeg = "orientation_deg",
                confidence
        }
    }

    /// A UE's filtered track at its latest fix (docs/protocol.md §2.5).
    struct Track: Sendable, Equatable, Codable {
        var x: Double, y: Double
        var vx: Double, vy: Double
        /// √(vx² + vy²); absent when that overflows (a hostile velocity of 1e200 m/s).
        var speedMps: Double?
        var ellipse: Ellipse?
        var event: String

        enum CodingKeys: String, CodingKey { case x, y, vx, vy, speedMps = "speed_mps", ellipse, event }
    }

    /// One (receiver, UE) on the map.
    public struct UE: Sendable, Equatable, Codable {
        var receiver: UInt32
        var ue: UInt32
        var seq: UInt64
        /// Status of the latest fix: `ok`, `suspect`, `outlier` or `failed`.
        var status: String
        /// The latest fix's position; absent for a failed fix or non-finite coordinates.
        public var x: Double?, y: Double?, z: Double?
        var ellipse: Ellipse?
        /// The latest fix's `truth_error_m`, when its frame carried truth.
        var truthErrorM: Double?
        var latencyMs: Double?
        var track: Track?
        /// Recent fix positions `[x, y]`, oldest first (at most ``ViewLimits/tailLength``).
        var tail: [[Double]]
        /// Recent track positions `[x, y]`, oldest first.
        var trackTail: [[Double]]
        /// Fixes received for this UE.
        public var fixes: Int
        /// Seconds since this UE's latest fix arrived (viewer clock).
        var ageS: Double

        enum CodingKeys: String, CodingKey {
            case receiver, ue, seq, status, x, y, z, ellipse, track, tail, fixes
            case truthErrorM = "truth_error_m", latencyMs = "latency_ms", trackTail = "track_tail", ageS = "age_s"
        }
    }

    /// Counts seen by the viewer.
    public struct Counters: Sendable, Equatable, Codable {
        /// Fixes received.
        public var fixes = 0
        /// Fixes by status: `ok`, `suspect`, `outlier`, `failed`.
        public var ok = 0, suspect = 0, outlier = 0, failed = 0
        /// Messages on the feed that are not fixes (docs/protocol.md §2).
        public var undecodable = 0
        /// UEs evicted to keep at most ``ViewLimits/maxUEs``.
        var uesEvicted = 0
        /// Browsers streaming now, and dropped for not reading.
        var clients = 0, clientsDropped = 0
        /// Browsers turned away (``ViewLimits/maxClients``).
        var clientsRefused = 0
        /// Snapshots that could not be encoded as JSON (a bug: every number is finite or left out).
        var encodeFailures = 0

        enum CodingKeys: String, CodingKey {
            case fixes, ok, suspect, outlier, failed, undecodable, clients
            case uesEvicted = "ues_evicted", clientsDropped = "clients_dropped", clientsRefused = "clients_refused"
            case encodeFailures = "encode_failures"
        }
    }

    /// Error against truth over the recent fixes that carried it.
    struct Errors: Sendable, Equatable, Codable {
        var count: Int
        var medianM: Double
        var p95M: Double
        var maxM: Double

        enum CodingKeys: String, CodingKey { case count, medianM = "median_m", p95M = "p95_m", maxM = "max_m" }
    }

    /// The daemon's own counters, scraped from its `/metrics`.
    public struct DaemonMetrics: Sendable, Equatable, Codable {
        /// The scraped `/metrics` URL.
        public var url: String
        /// Series name (with labels) → value.
        var series: [String: Double]
        /// The last scrape's error, when it failed.
        var error: String?
        /// Seconds since the last successful scrape.
        var ageS: Double?

        enum CodingKeys: String, CodingKey { case url, series, error, ageS = "age_s" }
    }

    /// The area to draw; absent until a fix has a position when no region was given.
    public var area: MapArea?
    /// UEs, ordered by (receiver, UE).
    var ues: [UE]
    /// Counts seen by the viewer.
    public var counters: Counters
    var errors: Errors?
    /// The daemon's scraped counters (nil: not configured or not yet scraped).
    public var metrics: DaemonMetrics?
    /// The feed's endpoint, for the page's heading.
    var source: String
    /// Increases with every change (fix, counter, metrics).
    var version: UInt64

    enum CodingKeys: String, CodingKey { case area, ues, counters, errors, metrics, source, version }
}
