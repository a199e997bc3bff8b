/// A protocol v1 topic: `csi/v1/<receiver>/<ue>` for CSI frames, `pos/v1/<receiver>/<ue>` for position fixes.
///
/// Ids are canonical unsigned decimals (no sign, no leading zeros except `0` itself, at most `UInt32.max`) so
/// that a topic string maps to exactly one `(receiver, ue)` pair and ZeroMQ prefix subscriptions such as
/// `csi/v1/3/` select reliably.
public struct WireTopic: Sendable, Hashable, CustomStringConvertible {
    /// Which stream a topic belongs to.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// CSI frames (`csi/v1/...`).
        case csi
        /// Position fixes (`pos/v1/...`).
        case position = "pos"
    }

    /// Topics longer than this are rejected before parsing.
    public static let defaultMaxLength = 128

    /// The stream.
    public var kind: Kind
    /// The receiver (base station / array) id.
    public var receiverID: UInt32
    /// The UE (transmitter) id.
    public var ueID: UInt32

    /// Creates a topic value.
    public init(kind: Kind, receiverID: UInt32, ueID: UInt32) {
        self.kind = kind
        self.receiverID = receiverID
        self.ueID = ueID
    }

    /// The topic text, e.g. `csi/v1/1/42`.
    public var description: String { "\(kind.rawValue)/v1/\(receiverID)/\(ueID)" }

    /// The topic as a message part (ASCII bytes).
    public var bytes: [UInt8] { Array(description.utf8) }

    /// The subscription prefix for every topic of `kind`, optionally narrowed to one receiver
    /// (`csi/v1/` or `csi/v1/3/`).
    public static func prefix(_ kind: Kind, receiverID: UInt32? = nil) -> String {
        receiverID.map { "\(kind.rawValue)/v1/\($0)/" } ?? "\(kind.rawValue)/v1/"
    }

    /// Parses a topic part; `nil` when it is not a well-formed v1 topic of any kind or exceeds `maxLength`.
    public init?<Bytes: Collection>(parsing bytes: Bytes, maxLength: Int = WireTopic.defaultMaxLength)
    where Bytes.Element == UInt8 {
        guard bytes.count <= maxLength else { return nil }
        let fields = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard fields.count == 4,
            let kind = Kind(rawValue: String(decoding: fields[0], as: UTF8.self)),
            fields[0].allSatisfy({ $0 < 0x80 }),
            fields[1].elementsEqual("v1".utf8),
            let receiver = WireTopic.parseID(fields[2]),
            let ue = WireTopic.parseID(fields[3])
        else { return nil }
        self.init(kind: kind, receiverID: receiver, ueID: ue)
    }

    /// Parses a topic string; see ``init(parsing:maxLength:)``.
    public init?(_ text: String, maxLength: Int = WireTopic.defaultMaxLength) {
        self.init(parsing: Array(text.utf8), maxLength: maxLength)
    }

    /// Canonical decimal `UInt32`: 1–10 ASCII digits, no leading zero unless the id is `0`.
    private static func parseID<Digits: Collection>(_ digits: Digits) -> UInt32? where Digits.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= 10,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        if digits.count > 1, digits.first == UInt8(ascii: "0") { return nil }
        var value: UInt64 = 0
        for digit in digits { value = value * 10 + UInt64(digit - UInt8(ascii: "0")) }
        return UInt32(exactly: value)
    }
}
