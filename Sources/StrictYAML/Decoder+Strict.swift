/// A coding key that accepts any string, used to list the keys actually present.
public struct AnyCodingKey: CodingKey, Sendable {
    /// The key as written in the document.
    public var stringValue: String
    /// The index, for keys of unkeyed containers.
    public var intValue: Int?
    /// A key named `stringValue`.
    public init(stringValue: String) { self.stringValue = stringValue }
    /// An index key; its string value is the decimal index.
    public init?(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

extension Decoder {
    /// Throws if the mapping being decoded holds a key that `K` does not list, naming the allowed keys.
    /// Call first thing in `init(from:)` of every configuration type (``strictContainer(keyedBy:)`` does, and
    /// returns the container).
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_: K.Type) throws {
        let known = Set(K.allCases.map(\.stringValue))
        let present = try container(keyedBy: AnyCodingKey.self).allKeys
        if let bad = present.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath + [bad],
                    debugDescription:
                        "unknown key '\(bad.stringValue)'; allowed: \(known.sorted().joined(separator: ", "))"
                ))
        }
    }

    /// The mapping being decoded, keyed by `K`, after ``rejectUnknownKeys(_:)``: how a strict `init(from:)` starts.
    public func strictContainer<K: CodingKey & CaseIterable>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        try rejectUnknownKeys(type)
        return try container(keyedBy: type)
    }
}

extension KeyedDecodingContainer {
    /// Throws a located error for `key` unless `condition` holds; `message` says what was expected.
    public func require(_ condition: Bool, _ key: Key, _ message: @autoclosure () -> String) throws {
        if !condition {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message())
        }
    }

    /// Decodes `key` as an interval: `[min, max]` of finite numbers with min ≤ max, or one finite number `v`
    /// (the interval `v...v`). An absent key gives `fallback`, or throws `keyNotFound` when `fallback` is nil.
    public func interval(_ key: Key, ifAbsent fallback: ClosedRange<Double>? = nil) throws -> ClosedRange<Double> {
        if let v = try? decode(Double.self, forKey: key) {
            try require(v.isFinite, key, "must be finite")
            return v...v
        }
        guard contains(key) else {
            if let fallback { return fallback }
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        let pair = try decode([Double].self, forKey: key)
        try require(
            pair.count == 2 && pair.allSatisfy(\.isFinite) && pair[0] <= pair[1], key,
            "must be [min, max] with min ≤ max, or a single number")
        return pair[0]...pair[1]
    }

    /// Decodes `key` if present, else returns `fallback`.
    public func value<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}
