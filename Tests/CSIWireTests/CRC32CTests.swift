import Testing

@testable import CSIWire

@Suite struct CRC32CTests {
    /// Independent reference: the textbook bit-at-a-time reflected CRC.
    static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(Self.bitwise(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// RFC 3720 (iSCSI) appendix B.4 vectors, plus trivial ones.
    @Test func knownVectors() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum(Array("a".utf8)) == 0xC1D0_4330)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func matchesBitwiseOnRandomData() {
        var rng = SplitMix64(seed: 42)
        for length in Array(0..<40) + [63, 64, 65, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(CRC32C.checksum(bytes) == Self.bitwise(bytes), "length \(length)")
            // Unaligned start via a slice.
            if length > 3 {
                let slice = bytes[3...]
                #expect(CRC32C.checksum(slice) == Self.bitwise(Array(slice)))
            }
        }
    }

    @Test func incrementalEqualsOneShot() {
        var rng = SplitMix64(seed: 7)
        let bytes = (0..<777).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for split in [0, 1, 5, 8, 13, 400, 777] {
            var crc = CRC32C()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == CRC32C.checksum(bytes))
        }
        // Non-contiguous sequences take the byte-wise path.
        #expect(CRC32C.checksum(bytes.lazy.map { $0 }) == CRC32C.checksum(bytes))
    }

    @Test func largePayloadIsFast() {
        let payload = [UInt8](repeating: 0x5A, count: 32 * 1024)
        let clock = ContinuousClock()
        var value: UInt32 = 0
        let elapsed = clock.measure {
            for _ in 0..<100 { value ^= CRC32C.checksum(payload) }
        }
        #expect(value == 0) // even number of identical XORs
        // Generous bound so it holds in unoptimized debug builds on a loaded machine.
        #expect(elapsed < .seconds(2), "100 × 32 KiB took \(elapsed)")
    }
}
