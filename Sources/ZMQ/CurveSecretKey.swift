/// A CurveZMQ secret key. Kept apart from ``CurveKey`` so it never ends up in a log line or an allow-list by
/// accident: its `description` is redacted and the Z85 text is only available through ``z85``.
public struct CurveSecretKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 raw bytes (module-internal: only socket options need them).
    let bytes: [UInt8]

    /// A key from its raw bytes; `nil` unless there are exactly 32.
    init?(bytes: [UInt8]) {
        guard bytes.count == CurveKey.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A key from its Z85 text; `nil` unless it is exactly 40 valid Z85 characters.
    init?(z85: String) {
        guard z85.utf8.count == CurveKey.z85Count, let bytes = Z85.decode(z85) else { return nil }
        self.init(bytes: bytes)
    }

    /// The 40-character Z85 form (for writing a secret key file; never log it).
    public var z85: String { Z85.encode(bytes)! }

    /// Redacted, so that a secret key never reaches a log.
    public var description: String { "CurveSecretKey(redacted)" }
}
