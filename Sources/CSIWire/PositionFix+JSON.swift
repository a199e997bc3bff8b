extension PositionFix {
    /// Why a position message could not be decoded.
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Human-readable reason, naming the member at fault.
        public let message: String
        /// The reason, as `message`.
        public var description: String { message }
    }

    /// Largest accepted JSON body when decoding.
    static let maxJSONBytes = 256 * 1024

    // MARK: - Encoding

    /// The JSON object of this fix. Non-finite numbers become `null`; `truth_error_m`, `stages` and `track` are
    /// omitted when `nil`, `ellipse` is `null` when `nil`.
    func jsonValue() -> JSONValue {
        var members: [String: JSONValue] = [
            "class": .string(PositionFix.messageClass),
            "v": .integer(PositionFix.currentVersion),
            "seq": .integer(seq),
            "receiver": .integer(receiverID),
            "ue": .integer(ueID),
            "t_capture_ns": .integer(tCaptureNs),
            "t_publish_ns": .integer(tPublishNs),
            "x": .double(position.x),
            "y": .double(position.y),
            "z": .double(position.z),
            "frame": .string(frame),
            "cov": .array(covariance.map(JSONValue.double)),
            "status": .string(status.rawValue),
            "cost": .double(cost),
            "latency_ms": .double(latencyMs),
            "model": .string(model),
        ]
        if let ellipse {
            members["ellipse"] = [
                "semi_major_m": .double(ellipse.semiMajorM),
                "semi_minor_m": .double(ellipse.semiMinorM),
                "orientation_deg": .double(ellipse.orientationDeg),
                "confidence": .double(ellipse.confidence),
            ]
        } else {
            members["ellipse"] = .null
        }
        if let truthErrorM { members["truth_error_m"] = .double(truthErrorM) }
        if let stages { members["stages"] = stages }
        if let track { members["track"] = track.jsonValue() }
        return .object(members)
    }

    /// The JSON body: compact, keys sorted, identical bytes for identical fixes — the bytes of
    /// ``jsonValue()``'s serialization, written directly (no tree, no sort: this runs once per published fix).
    public func jsonBytes() -> [UInt8] {
        var out = JSONObjectWriter(capacity: 512)
        // Members in the UTF-8 order of their keys.
        out.string("class", PositionFix.messageClass)
        out.double("cost", cost)
        out.doubles("cov", covariance)
        if let ellipse {
            out.nested("ellipse") { inner in
                inner.double("confidence", ellipse.confidence)
                inner.double("orientation_deg", ellipse.orientationDeg)
                inner.double("semi_major_m", ellipse.semiMajorM)
                inner.double("semi_minor_m", ellipse.semiMinorM)
            }
        } else {
            out.null("ellipse")
        }
        out.string("frame", frame)
        out.double("latency_ms", latencyMs)
        out.string("model", model)
        out.integer("receiver", receiverID)
        out.integer("seq", seq)
        if let stages { out.value("stages", stages) }
        out.string("status", status.rawValue)
        out.integer("t_capture_ns", tCaptureNs)
        out.integer("t_publish_ns", tPublishNs)
        if let track { out.value("track", track.jsonValue()) }
        if let truthErrorM { out.double("truth_error_m", truthErrorM) }
        out.integer("ue", ueID)
        out.integer("v", PositionFix.currentVersion)
        out.double("x", position.x)
        out.double("y", position.y)
        out.double("z", position.z)
        return out.finish()
    }

    /// The message parts `[topic, JSON]`.
    public func messageParts() -> [[UInt8]] { [topic.bytes, jsonBytes()] }

    // MARK: - Decoding

    /// Decodes `[pos/v1/<receiver>/<ue>, JSON]`; the topic ids must match the body's.
    public init(parts: [[UInt8]]) throws(DecodingError) {
        guard parts.count == 2 else { throw DecodingError(message: "expected 2 parts, got \(parts.count)") }
        guard let topic = WireTopic(parsing: parts[0]), topic.kind == .position else {
            throw DecodingError(message: "topic is not pos/v1/<receiver>/<ue>")
        }
        try self.init(jsonBytes: parts[1])
        guard topic.receiverID == receiverID, topic.ueID == ueID else {
            throw DecodingError(message: "topic \(topic) disagrees with receiver \(receiverID), ue \(ueID)")
        }
    }

    /// Decodes a JSON body (at most ``maxJSONBytes``).
    public init(jsonBytes: [UInt8]) throws(DecodingError) {
        guard jsonBytes.count <= PositionFix.maxJSONBytes else {
            throw DecodingError(message: "JSON body is \(jsonBytes.count) bytes, limit \(PositionFix.maxJSONBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: jsonBytes)
        } catch {
            throw DecodingError(message: error.description)
        }
        try self.init(json: value)
    }

    /// Decodes a parsed JSON object.
    ///
    /// Required: `class` = "FIX", `v` = 1, `seq`, `receiver`, `ue`, `t_capture_ns`, `t_publish_ns`, `x`, `y`,
    /// `z`, `status`. Optional with defaults: `frame` (""), `cov` ([]), `ellipse` (none), `cost` and
    /// `latency_ms` (NaN), `model` (""), `truth_error_m`, `stages`, `track` (which, when present, requires
    /// `x`, `y`, `z`, `vx`, `vy`, `vz` and `event`). Numbers may be `null` (→ NaN). Unknown
    /// members are ignored.
    public init(json: JSONValue) throws(DecodingError) {
        guard let object = json.objectValue else { throw DecodingError(message: "body is not a JSON object") }
        let reader = MemberReader(object: object)
        guard try reader.string("class") == PositionFix.messageClass else {
            throw DecodingError(message: "'class' is not \"\(PositionFix.messageClass)\"")
        }
        guard try reader.integer("v", as: Int.self) == PositionFix.currentVersion else {
            throw DecodingError(message: "'v' is not \(PositionFix.currentVersion)")
        }
        let statusText = try reader.string("status")
        guard let status = Status(rawValue: statusText) else {
            throw DecodingError(message: "'status' \"\(statusText)\" is not ok, suspect, outlier or failed")
        }
        let covariance = try reader.optionalDoubleArray("cov") ?? []
        guard [0, 4, 9].contains(covariance.count) else {
            throw DecodingError(message: "'cov' has \(covariance.count) values, expected 0, 4 or 9")
        }
        var ellipse: UncertaintyEllipse?
        if let members = try reader.optionalObject("ellipse") {
            let inner = MemberReader(object: members, path: "ellipse.")
            ellipse = UncertaintyEllipse(
                semiMajorM: try inner.double("semi_major_m"),
                semiMinorM: try inner.double("semi_minor_m"),
                orientationDeg: try inner.double("orientation_deg"),
                confidence: try inner.double("confidence"))
        }
        let stages = try reader.optionalObject("stages").map(JSONValue.object)
        let track = try reader.optionalObject("track").map { (members) throws(DecodingError) in try Track(json: members)
        }

        self.init(
            seq: try reader.integer("seq", as: UInt64.self),
            receiverID: try reader.integer("receiver", as: UInt32.self),
            ueID: try reader.integer("ue", as: UInt32.self),
            tCaptureNs: try reader.integer("t_capture_ns", as: Int64.self),
            tPublishNs: try reader.integer("t_publish_ns", as: Int64.self),
            position: SIMD3(try reader.double("x"), try reader.double("y"), try reader.double("z")),
            frame: try reader.optionalString("frame") ?? "",
            covariance: covariance,
            ellipseConfidence: nil,
            status: status,
            cost: try reader.optionalDouble("cost") ?? .nan,
            latencyMs: try reader.optionalDouble("latency_ms") ?? .nan,
            model: try reader.optionalString("model") ?? "",
            truthErrorM: try reader.optionalDouble("truth_error_m"),
            stages: stages,
            track: track)
        self.ellipse = ellipse
    }
}

/// Typed access to the members of a JSON object with error messages that name the member.
struct MemberReader {
    let object: [String: JSONValue]
    var path = ""

    private func fail(_ key: String, _ problem: String) -> PositionFix.DecodingError {
        PositionFix.DecodingError(message: "'\(path)\(key)' \(problem)")
    }

    func string(_ key: String) throws(PositionFix.DecodingError) -> String {
        guard let text = try optionalString(key) else { throw fail(key, "is missing") }
        return text
    }

    func optionalString(_ key: String) throws(PositionFix.DecodingError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw fail(key, "is not a string") }
        return text
    }

    func integer<T: FixedWidthInteger>(_ key: String, as _: T.Type) throws(PositionFix.DecodingError) -> T {
        guard let value = object[key] else { throw fail(key, "is missing") }
        guard let literal = value.numberValue?.literal else { throw fail(key, "is not a number") }
        guard let integer = T(literal, radix: 10) else { throw fail(key, "is not an integer in range of \(T.self)") }
        return integer
    }

    /// A required number; `null` reads as NaN (non-finite values are written as `null`).
    func double(_ key: String) throws(PositionFix.DecodingError) -> Double {
        guard object[key] != nil else { throw fail(key, "is missing") }
        return try optionalDouble(key) ?? .nan
    }

    /// `nil` when absent; NaN when `null`.
    func optionalDouble(_ key: String) throws(PositionFix.DecodingError) -> Double? {
        guard let value = object[key] else { return nil }
        return try number(value, key)
    }

    func optionalDoubleArray(_ key: String) throws(PositionFix.DecodingError) -> [Double]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let elements = value.arrayValue else { throw fail(key, "is not an array") }
        var numbers: [Double] = []
        for element in elements { numbers.append(try number(element, key)) }
        return numbers
    }

    func optionalObject(_ key: String) throws(PositionFix.DecodingError) -> [String: JSONValue]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let members = value.objectValue else { throw fail(key, "is not an object") }
        return members
    }

    private func number(_ value: JSONValue, _ key: String) throws(PositionFix.DecodingError) -> Double {
        if value.isNull { return .nan }
        guard let number = value.doubleValue else { throw fail(key, "is not a number") }
        return number
    }
}
