@testable import CSIWire

/// Deterministic PRNG (SplitMix64) so fuzz loops are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    /// A frame with deterministic, non-trivial samples.
    static func frame(
        antennas: UInt16 = 4, subcarriers: UInt16 = 8, seed: UInt64 = 1, extension: FrameExtension? = nil
    ) -> CSIFrame {
        var rng = SplitMix64(seed: seed)
        let count = 2 * Int(antennas) * Int(subcarriers)
        let samples = (0..<count).map { _ in Float.random(in: -2...2, using: &rng) }
        return CSIFrame(
            seq: 1234, receiverID: 3, ueID: 17, antennaCount: antennas, subcarrierCount: subcarriers,
            samples: samples, tCaptureNs: 1_700_000_000_123_456_789, tPublishNs: 1_700_000_000_223_456_789,
            metaEpoch: 9, snrDb: 21.5, flags: 0b101, extension: `extension`)
    }

    /// Valid parts for `frame`, cf32 with CRC.
    static func parts(
        _ frame: CSIFrame = frame(), encoding: FrameEncoder.Encoding = .complexFloat32, crc: Bool = true
    )
        -> [[UInt8]]
    {
        do {
            return try FrameEncoder(encoding: encoding, computeCRC: crc).encode(frame)
        } catch {
            fatalError("fixture failed to encode: \(error)")
        }
    }

    /// Writes a little-endian integer into `bytes` at `offset` (test-side, independent of ByteCoding).
    static func poke<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, byte) in raw.enumerated() { bytes[offset + i] = byte }
        }
    }
}

extension FrameDecoder {
    /// The rejection reason for `parts`, or `nil` if they decode.
    func reason(_ parts: [[UInt8]]) -> FrameRejection.Reason? {
        do {
            _ = try decode(parts)
            return nil
        } catch {
            return error.reason
        }
    }
}
