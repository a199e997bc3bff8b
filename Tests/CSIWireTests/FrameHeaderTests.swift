import Testing

@testable import CSIWire

@Suite struct FrameHeaderTests {
    /// A header assembled byte by byte from the offsets in docs/protocol.md, independently of the encoder.
    static func handAssembledHeader(length: Int = 64) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: length)
        h[0] = 0x43; h[1] = 0x53; h[2] = 0x49; h[3] = 0x31 // "CSI1"
        Fixtures.poke(UInt16(1), &h, at: 4) // header_version
        Fixtures.poke(UInt16(length), &h, at: 6) // header_length
        Fixtures.poke(UInt64(0x0102_0304_0506_0708), &h, at: 8) // seq
        Fixtures.poke(Int64(-5), &h, at: 16) // t_capture_ns
        Fixtures.poke(Int64(1_750_000_000_000_000_000), &h, at: 24) // t_publish_ns
        Fixtures.poke(UInt32(7), &h, at: 32) // receiver_id
        Fixtures.poke(UInt32(99), &h, at: 36) // ue_id
        Fixtures.poke(UInt16(2), &h, at: 40) // n_ant
        Fixtures.poke(UInt16(3), &h, at: 42) // n_sc
        h[44] = 1 // n_tx_ports
        h[45] = 1 // sample_format ci16
        h[46] = 0 // layout
        h[47] = 0x80 // flags
        Fixtures.poke(UInt32(0xDEAD_BEEF), &h, at: 48) // meta_epoch
        Fixtures.poke(Float(12.25).bitPattern, &h, at: 52) // snr_db
        Fixtures.poke(Float(0.5).bitPattern, &h, at: 56) // scale
        Fixtures.poke(UInt32(0), &h, at: 60) // crc32c
        if length > 64 { for i in 64..<length { h[i] = 0xEE } } // unknown tail
        return h
    }

    static func handAssembledParts(headerLength: Int = 64) -> [[UInt8]] {
        var payload = [UInt8]()
        for value: Int16 in [1, -1, 2, -2, 3, -3, 100, -100, 32767, -32768, 0, 0] {
            withUnsafeBytes(of: value.littleEndian) { payload.append(contentsOf: $0) }
        }
        var header = handAssembledHeader(length: headerLength)
        Fixtures.poke(CRCReference.crc(payload), &header, at: 60)
        return [Array("csi/v1/7/99".utf8), header, payload]
    }

    @Test func handAssembledHeaderDecodes() throws {
        let frame = try FrameDecoder().decode(Self.handAssembledParts())
        let h = frame.header
        #expect(h.version == 1 && h.headerLength == 64)
        #expect(h.seq == 0x0102_0304_0506_0708)
        #expect(h.tCaptureNs == -5)
        #expect(h.tPublishNs == 1_750_000_000_000_000_000)
        #expect(h.receiverID == 7 && h.ueID == 99)
        #expect(h.antennaCount == 2 && h.subcarrierCount == 3)
        #expect(h.txPorts == 1 && h.sampleFormat == .complexInt16 && h.layout == .antennaMajor)
        #expect(h.flags == 0x80 && h.metaEpoch == 0xDEAD_BEEF)
        #expect(h.snrDb == 12.25 && h.scale == 0.5)
        #expect(frame.samples == [0.5, -0.5, 1, -1, 1.5, -1.5, 50, -50, 16383.5, -16384, 0, 0])
        // The encoder's header bytes for the same fields are identical.
        #expect(h.serialized() == Self.handAssembledParts()[1])
    }

    @Test func longerHeaderTailIsSkipped() throws {
        let parts = Self.handAssembledParts(headerLength: 80)
        let frame = try FrameDecoder().decode(parts)
        #expect(frame.header.headerLength == 80)
        #expect(frame.header.seq == 0x0102_0304_0506_0708)
        #expect(frame.samples.count == 12)
    }

    @Test func encoderHonoursLongerHeaderLength() throws {
        var frame = Fixtures.frame()
        frame.header.headerLength = 96
        let parts = Fixtures.parts(frame)
        #expect(parts[1].count == 96)
        #expect(try FrameDecoder().decode(parts).samples == frame.samples)
    }

    @Test func nanSNRSurvives() throws {
        let parts = Fixtures.parts(Fixtures.frame())
        var frame = try FrameDecoder().decode(parts)
        frame.header.snrDb = .nan
        let again = try FrameDecoder().decode(Fixtures.parts(frame))
        #expect(again.header.snrDb.isNaN)
        #expect(again.header.isIdentical(to: frame.header))
    }
}

/// Test-local CRC (bitwise), so the hand-assembled message does not depend on the code under test.
enum CRCReference {
    static func crc(_ bytes: [UInt8]) -> UInt32 { CRC32CTests.bitwise(bytes) }
}
