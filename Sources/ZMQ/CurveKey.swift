/// A CurveZMQ public key: 32 bytes, written as 40 Z85 characters. Not secret: it names a peer (allow-lists,
/// a server's key that clients pin), so it prints itself.
public struct CurveKey: Sendable, Hashable, CustomStringConvertible {
    /// Bytes in a CURVE key.
    static let byteCount = 32
    /// Characters in the Z85 form of a key.
    static let z85Count = 40

    /// The 32 raw bytes.
    public let bytes: [UInt8]

    /// A key from its raw bytes; `nil` unless there are exactly 32.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A key from its Z85 text; `nil` unless it is exactly 40 valid Z85 characters.
    public init?(z85: String) {
        guard z85.utf8.count == Self.z85Count, let bytes = Z85.decode(z85) else { return nil }
        self.init(bytes: bytes)
    }

    /// The 40-character Z85 form.
    public var z85: String { Z85.encode(bytes)! }

    /// The key in Z85 (40 characters), safe to log: it is public.
    public var description: String { z85 }
}
