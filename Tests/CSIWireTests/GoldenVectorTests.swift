import Testing

@testable import CSIWire

/// A message produced by the Python publisher snippet in docs/protocol.md (struct.pack + numpy), captured as
/// hex: guards the documented layout against drift on either side.
@Suite struct GoldenVectorTests {
    static let pythonParts: [String] = [
        "6373692f76312f322f3430",
        "4353493101004000070000000000000015cd5b070000000000002a36fe9c9717020000002800000002000300010000010300000000008c410000803fad5c810f",
        "00000000000020c00000003f0000c0bf0000803f000000bf0000c03f0000003f000000400000c03f0000204000002040",
        "7b227472757468223a205b312e302c202d322e302c20302e355d7d",
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    @Test func pythonPublishedFrameDecodes() throws {
        let parts = Self.pythonParts.map(Self.bytes)
        let frame = try FrameDecoder(crcPolicy: .require).decode(parts)
        #expect(frame.topic == WireTopic(kind: .csi, receiverID: 2, ueID: 40))
        #expect(frame.header.seq == 7)
        #expect(frame.header.tCaptureNs == 123_456_789)
        #expect(frame.header.tPublishNs == 1_700_000_000_000_000_000)
        #expect(frame.header.metaEpoch == 3 && frame.header.flags == 1 && frame.header.snrDb == 17.5)
        #expect(frame.antennaCount == 2 && frame.subcarrierCount == 3)
        let expected = (0..<6).flatMap { k in [Float(k) * 0.5, Float(k) - 2.5] }
        #expect(frame.samples == expected)
        #expect(frame.truth == SIMD3(1, -2, 0.5))
        // The Swift encoder reproduces the Python header and payload byte for byte.
        #expect(try FrameEncoder().encode(frame) == Array(parts.prefix(3)) + [frame.extension!.rawJSON])
    }
}
