import Testing

@testable import CSIWire

@Suite struct FrameRoundTripTests {
    let decoder = FrameDecoder()

    @Test(arguments: [true, false], [true, false])
    func float32RoundTrip(crc: Bool, withExtension: Bool) throws {
        let ext = withExtension ? try FrameExtension(truth: SIMD3(1.5, -2.25, 0.75), extra: ["note": "hi"]) : nil
        let frame = Fixtures.frame(extension: ext)
        let parts = Fixtures.parts(frame, crc: crc)
        #expect(parts.count == (withExtension ? 4 : 3))
        #expect(String(decoding: parts[0], as: UTF8.self) == "csi/v1/3/17")
        let decoded = try decoder.decode(parts)
        #expect(decoded.samples == frame.samples)
        #expect(decoded.header.seq == 1234)
        #expect(decoded.header.tCaptureNs == 1_700_000_000_123_456_789)
        #expect(decoded.header.metaEpoch == 9)
        #expect(decoded.header.flags == 0b101)
        #expect(decoded.header.snrDb == 21.5)
        #expect(decoded.header.sampleFormat == .complexFloat32)
        #expect((decoded.header.crc32c != 0) == crc)
        #expect(decoded.topic == WireTopic(kind: .csi, receiverID: 3, ueID: 17))
        #expect(decoded.truth == (withExtension ? SIMD3(1.5, -2.25, 0.75) : nil))
        #expect(decoded.extension?.members["note"] == (withExtension ? "hi" : nil))
        // Re-encoding the decoded frame gives the same bytes.
        #expect(Fixtures.parts(decoded, crc: crc) == parts)
    }

    @Test(arguments: [true, false])
    func int16RoundTripWithScale(crc: Bool) throws {
        let frame = Fixtures.frame(antennas: 8, subcarriers: 16, seed: 5)
        let scale = FrameEncoder.int16Scale(for: frame.samples)
        let parts = Fixtures.parts(frame, encoding: .complexInt16(scale: scale), crc: crc)
        #expect(parts[2].count == 8 * 16 * 4)
        let decoded = try decoder.decode(parts)
        #expect(decoded.header.sampleFormat == .complexInt16)
        #expect(decoded.header.scale == scale)
        for (a, b) in zip(decoded.samples, frame.samples) {
            #expect(abs(a - b) <= scale / 2 * 1.0001)
        }
    }

    @Test func int16ExactValuesAndOverflow() throws {
        let frame = CSIFrame(
            seq: 1, receiverID: 0, ueID: 0, antennaCount: 1, subcarrierCount: 2,
            samples: [0.5, -1.5, 16383.5, -16384])
        let decoded = try decoder.decode(Fixtures.parts(frame, encoding: .complexInt16(scale: 0.5)))
        #expect(decoded.samples == [0.5, -1.5, 16383.5, -16384])
        #expect(throws: FrameEncoder.EncodingError.self) {
            try FrameEncoder(encoding: .complexInt16(scale: 0.25)).encode(frame)
        }
        #expect(throws: FrameEncoder.EncodingError.self) {
            try FrameEncoder(encoding: .complexInt16(scale: 0)).encode(frame)
        }
        var short = frame
        short.samples.removeLast()
        #expect(throws: FrameEncoder.EncodingError.self) { try FrameEncoder().encode(short) }
    }

    @Test func emptyFourthPartMeansNoExtension() throws {
        let decoded = try decoder.decode(Fixtures.parts() + [[]])
        #expect(decoded.extension == nil)
    }

    @Test func extensionNullTruthAndUnknownMembersKept() throws {
        var parts = Fixtures.parts()
        parts.append(Array(#"{"truth": null, "rssi": [-40, -42], "vendor": {"cfo_hz": 12.5}}"#.utf8))
        let decoded = try decoder.decode(parts)
        #expect(decoded.truth == nil)
        #expect(decoded.extension?.members["vendor"]?["cfo_hz"]?.doubleValue == 12.5)
        #expect(decoded.extension?.rawJSON == parts[3])
    }

    @Test func sampleAccessorIsAntennaMajor() throws {
        let frame = Fixtures.frame(antennas: 3, subcarriers: 5)
        let decoded = try decoder.decode(Fixtures.parts(frame))
        let s = try #require(decoded.sample(antenna: 2, subcarrier: 4))
        #expect(s.re == frame.samples[2 * (2 * 5 + 4)])
        #expect(s.im == frame.samples[2 * (2 * 5 + 4) + 1])
        #expect(decoded.sample(antenna: 3, subcarrier: 0) == nil)
    }

    @Test func topics() {
        #expect(WireTopic("csi/v1/0/4294967295") == WireTopic(kind: .csi, receiverID: 0, ueID: .max))
        #expect(WireTopic("pos/v1/2/3")?.kind == .position)
        for bad in [
            "csi/v1/1", "csi/v1/1/2/3", "csi/v2/1/2", "csi/v1/01/2", "csi/v1/-1/2", "csi/v1/4294967296/1",
            "csi/v1//2", "CSI/v1/1/2", "csi/v1/1/2 ", "csi/v1/+1/2", "",
        ] {
            #expect(WireTopic(bad) == nil, "\(bad)")
        }
        #expect(WireTopic.prefix(.csi, receiverID: 3) == "csi/v1/3/")
    }
}
