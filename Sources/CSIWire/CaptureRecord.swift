/// One captured message: the exact message parts as received, and when they were received.
public struct CaptureRecord: Sendable, Hashable {
    /// Receive time, ns since the Unix epoch (`CLOCK_REALTIME` of the recorder).
    public var tRecvNs: Int64
    /// The message parts, byte for byte (e.g. `[topic, header, payload]` for CSI).
    public var parts: [[UInt8]]

    /// Creates a record.
    public init(tRecvNs: Int64, parts: [[UInt8]]) {
        self.tRecvNs = tRecvNs
        self.parts = parts
    }
}
