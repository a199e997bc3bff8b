import Testing

@testable import CSIWire

@Suite struct FrameRejectionTests {
    let decoder = FrameDecoder()

    /// Valid parts with header fields changed by `edit` (CRC recomputed over the unchanged payload).
    func parts(encoding: FrameEncoder.Encoding = .complexFloat32, _ edit: (inout CSIFrameHeader) -> Void) -> [[UInt8]] {
        var parts = Fixtures.parts(encoding: encoding)
        var header = try! CSIFrameHeader(parsing: parts[1])
        edit(&header)
        parts[1] = header.serialized()
        return parts
    }

    @Test func everyReasonIsCoveredAndLabelsAreStable() {
        let labels = FrameRejection.Reason.allCases.map(\.rawValue)
        #expect(Set(labels).count == labels.count)
        #expect(labels.allSatisfy { $0.allSatisfy { $0 == "_" || ($0.isLowercase && $0.isASCII) } })
        #expect(FrameRejection.Reason.crcMismatch.rawValue == "crc_mismatch")
    }

    @Test func wrongPartCount() {
        let good = Fixtures.parts()
        #expect(decoder.reason([]) == .wrongPartCount)
        #expect(decoder.reason(Array(good.prefix(2))) == .wrongPartCount)
        #expect(decoder.reason(good + [[], []]) == .wrongPartCount)
    }

    @Test func badTopic() {
        var p = Fixtures.parts()
        p[0] = Array("pos/v1/3/17".utf8)
        #expect(decoder.reason(p) == .badTopic)
        p[0] = Array("csi/v1/3/17\u{0}".utf8)
        #expect(decoder.reason(p) == .badTopic)
        p[0] = Array(repeating: UInt8(ascii: "1"), count: 200)
        #expect(decoder.reason(p) == .badTopic)
        p[0] = [0xFF, 0xFE]
        #expect(decoder.reason(p) == .badTopic)
    }

    @Test func headerStructure() {
        var p = Fixtures.parts()
        p[1] = Array(p[1].prefix(63))
        #expect(decoder.reason(p) == .shortHeader)
        p = Fixtures.parts()
        p[1][3] = 0x32 // "CSI2"
        #expect(decoder.reason(p) == .badMagic)
        #expect(decoder.reason(parts { $0.version = 2 }) == .badVersion)
        #expect(decoder.reason(parts { $0.headerLength = 63 }) == .badHeaderLength)
        // header_length 80 but the part is 64 bytes long (serialized() writes 80; cut it back).
        p = parts { $0.headerLength = 80 }
        p[1] = Array(p[1].prefix(64))
        #expect(decoder.reason(p) == .badHeaderLength)
        // header_length 64 but the part has a tail.
        p = Fixtures.parts()
        p[1] += [0, 0, 0, 0]
        #expect(decoder.reason(p) == .badHeaderLength)
    }

    @Test func semanticHeaderChecks() {
        #expect(decoder.reason(parts { $0.ueID = 18 }) == .topicHeaderMismatch)
        #expect(decoder.reason(parts { $0.receiverID = 4 }) == .topicHeaderMismatch)
        #expect(decoder.reason(parts { $0.txPorts = 2 }) == .unsupportedTxPorts)
        #expect(decoder.reason(parts { $0.sampleFormatCode = 2 }) == .unsupportedFormat)
        #expect(decoder.reason(parts { $0.layoutCode = 1 }) == .unsupportedLayout)
        #expect(decoder.reason(parts { $0.antennaCount = 0 }) == .zeroDimension)
        #expect(decoder.reason(parts { $0.subcarrierCount = 0 }) == .zeroDimension)
    }

    @Test func sizes() {
        #expect(decoder.reason(parts { $0.subcarrierCount = 9 }) == .sizeMismatch)
        var p = Fixtures.parts()
        p[2].removeLast()
        #expect(decoder.reason(p) == .sizeMismatch)
        // Claiming cf32 for a ci16 payload halves nothing: 8 bytes expected per sample.
        #expect(
            decoder.reason(parts(encoding: .complexInt16(scale: 1e-3)) { $0.sampleFormatCode = 0 }) == .sizeMismatch)
        let small = FrameDecoder(limits: .init(maxElements: 31))
        #expect(small.reason(Fixtures.parts()) == .oversized) // 4 × 8 = 32 elements
        #expect(
            decoder.reason(
                parts {
                    $0.antennaCount = .max; $0.subcarrierCount = .max
                }) == .oversized)
        var ext = Fixtures.parts()
        ext.append(Array("{\"pad\":\"\(String(repeating: "x", count: 70_000))\"}".utf8))
        #expect(decoder.reason(ext) == .oversized)
    }

    @Test func scale() {
        for bad: Float in [0, -1, .nan, .infinity] {
            #expect(decoder.reason(parts(encoding: .complexInt16(scale: 1e-3)) { $0.scale = bad }) == .badScale)
        }
        // cf32 ignores scale.
        #expect(decoder.reason(parts { $0.scale = .nan }) == nil)
    }

    @Test func crc() {
        var p = Fixtures.parts()
        p[2][5] ^= 0x01
        #expect(decoder.reason(p) == .crcMismatch)
        #expect(FrameDecoder(crcPolicy: .ignore).reason(p) == nil)
        let noCRC = Fixtures.parts(crc: false)
        #expect(decoder.reason(noCRC) == nil)
        #expect(FrameDecoder(crcPolicy: .require).reason(noCRC) == .missingCRC)
        #expect(FrameDecoder(crcPolicy: .require).reason(Fixtures.parts()) == nil)
    }

    @Test func nonFiniteSamples() {
        for bad: Float in [.nan, .infinity, -.infinity] {
            var frame = Fixtures.frame()
            frame.samples[7] = bad
            let rejection = #expect(throws: FrameRejection.self) { try decoder.decode(Fixtures.parts(frame)) }
            #expect(rejection?.reason == .nonFiniteSample)
            #expect(rejection?.message.contains("sample 3 (im)") == true)
        }
        // ci16 × a huge scale overflows Float.
        #expect(decoder.reason(parts(encoding: .complexInt16(scale: 1e-3)) { $0.scale = 1e38 }) == .nonFiniteSample)
    }

    @Test(arguments: [
        "", "[]", "null", "42", "{", "{\"truth\": [1, 2]}", "{\"truth\": [1, 2, \"3\"]}", "{\"truth\": {}}",
        "{\"truth\": [1, 2, 1e999]}", "{\"a\": 1, \"a\": 2}", "{\"truth\": [1,2,3,4]}",
    ])
    func badExtension(_ text: String) {
        var p = Fixtures.parts()
        p.append(Array(text.utf8))
        if text.isEmpty {
            #expect(decoder.reason(p) == nil) // empty 4th part = no extension
        } else {
            #expect(decoder.reason(p) == .badExtension, "\(text)")
        }
        var invalidUTF8 = Fixtures.parts()
        invalidUTF8.append([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) // {"\xFF":1}
        #expect(decoder.reason(invalidUTF8) == .badExtension)
    }

    @Test func messagesAreHelpful() {
        let rejection = #expect(throws: FrameRejection.self) {
            try decoder.decode(parts { $0.subcarrierCount = 9 })
        }
        #expect(rejection?.description.hasPrefix("size_mismatch: payload is 256 bytes") == true)
    }
}
