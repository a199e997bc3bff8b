public import Foundation

/// The SigMF-like metadata object at the start of a capture file: who wrote it, what it holds, and
/// (optionally) the receiver geometry needed to interpret CSI without the live `meta` stream.
public struct CaptureMetadata: Sendable, Equatable {
    /// What the records hold.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Protocol v1 CSI messages.
        case csi
        /// Position-fix messages.
        case positions
    }

    /// Writing program (e.g. `"csiloc record"`).
    public var tool: String
    /// Its version.
    public var toolVersion: String
    /// When the capture started, ISO-8601 UTC (see ``timestamp(_:)``).
    public var created: String
    /// Where the messages came from (e.g. `tcp://gnb1:5556`).
    public var sourceEndpoint: String
    /// The subscription prefix used (e.g. `csi/v1/`).
    public var topicPrefix: String
    /// What the records hold.
    public var kind: Kind
    /// Antenna positions `[x, y, z]` in metres, in the order of the CSI antenna axis.
    public var antennas: [SIMD3<Double>]?
    /// Subcarrier frequencies in Hz, in the order of the CSI subcarrier axis.
    public var frequencies: [Double]?
    /// Carrier frequency in Hz.
    public var carrier: Double?
    /// Free-form producer data.
    public var extra: JSONValue?

    /// Creates metadata; `created` defaults to now.
    public init(
        tool: String,
        toolVersion: String,
        created: String = CaptureMetadata.timestamp(Date()),
        sourceEndpoint: String = "",
        topicPrefix: String = "",
        kind: Kind = .csi,
        antennas: [SIMD3<Double>]? = nil,
        frequencies: [Double]? = nil,
        carrier: Double? = nil,
        extra: JSONValue? = nil
    ) {
        self.tool = tool
        self.toolVersion = toolVersion
        self.created = created
        self.sourceEndpoint = sourceEndpoint
        self.topicPrefix = topicPrefix
        self.kind = kind
        self.antennas = antennas
        self.frequencies = frequencies
        self.carrier = carrier
        self.extra = extra
    }

    /// ISO-8601 UTC with milliseconds, e.g. `2026-11-25T09:06:00.123Z`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The JSON object (optional members omitted when `nil`).
    func jsonValue() -> JSONValue {
        var members: [String: JSONValue] = [
            "tool": .string(tool),
            "tool_version": .string(toolVersion),
            "created": .string(created),
            "source_endpoint": .string(sourceEndpoint),
            "topic_prefix": .string(topicPrefix),
            "kind": .string(kind.rawValue),
        ]
        if let antennas {
            members["antennas"] = .array(antennas.map { .array([.double($0.x), .double($0.y), .double($0.z)]) })
        }
        if let frequencies { members["frequencies"] = .array(frequencies.map(JSONValue.double)) }
        if let carrier { members["carrier"] = .double(carrier) }
        if let extra { members["extra"] = extra }
        return .object(members)
    }

    /// Decodes a metadata object; `nil` when it is not an object, `tool` or `kind` is missing or invalid, or
    /// an optional member has the wrong shape. Unknown members are ignored.
    public init?(json: JSONValue) {
        guard let object = json.objectValue,
            let tool = object["tool"]?.stringValue,
            let kind = object["kind"]?.stringValue.flatMap(Kind.init(rawValue:))
        else { return nil }
        func text(_ key: String) -> String? {
            guard let value = object[key] else { return "" }
            return value.stringValue
        }
        guard let toolVersion = text("tool_version"), let created = text("created"),
            let source = text("source_endpoint"), let prefix = text("topic_prefix")
        else { return nil }
        self.init(
            tool: tool, toolVersion: toolVersion, created: created, sourceEndpoint: source, topicPrefix: prefix,
            kind: kind)
        if let value = object["antennas"] {
            guard let rows = value.arrayValue else { return nil }
            var positions: [SIMD3<Double>] = []
            for row in rows {
                guard let xyz = row.arrayValue?.compactMap(\.doubleValue), xyz.count == 3,
                    row.arrayValue?.count == 3
                else { return nil }
                positions.append(SIMD3(xyz[0], xyz[1], xyz[2]))
            }
            antennas = positions
        }
        if let value = object["frequencies"] {
            guard let elements = value.arrayValue else { return nil }
            let numbers = elements.compactMap(\.doubleValue)
            guard numbers.count == elements.count else { return nil }
            frequencies = numbers
        }
        if let value = object["carrier"] {
            guard let number = value.doubleValue else { return nil }
            carrier = number
        }
        extra = object["extra"]
    }
}
