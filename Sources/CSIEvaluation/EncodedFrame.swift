package import CSIWire

/// A CSI frame encoded once by `FrameEncoder` (payload, CRC, extension), re-sent with another seq, receiver or
/// UE: only the 64-byte header and the topic are rebuilt per message. The CRC covers the payload only, so it
/// stays valid.
package struct EncodedFrame: Sendable {
    package let header: CSIFrameHeader
    private let payload: [UInt8]
    private let extensionPart: [UInt8]?

    /// Encodes `frame` (cf32, CRC computed).
    ///
    /// - Throws: `FrameEncoder.EncodingError` (sample count not 2·n_ant·n_sc).
    package init(_ frame: CSIFrame) throws {
        let parts = try FrameEncoder(computeCRC: true).encode(frame)
        header = try CSIFrameHeader(parsing: parts[1])
        payload = parts[2]
        extensionPart = parts.count > 3 ? parts[3] : nil
    }

    /// The message parts with `seq`, `receiverID` and `ueID` in the header and the matching topic.
    package func parts(seq: UInt64, receiverID: UInt32, ueID: UInt32) -> [[UInt8]] {
        var h = header
        h.seq = seq
        h.receiverID = receiverID
        h.ueID = ueID
        var parts = [WireTopic(kind: .csi, receiverID: receiverID, ueID: ueID).bytes, h.serialized(), payload]
        if let extensionPart { parts.append(extensionPart) }
        return parts
    }
}
