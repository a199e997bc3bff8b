import Testing

@testable import CSIWire

/// Bounded, seeded mutation fuzzing: the decoders must never trap, and whatever they accept must be sane.
@Suite struct FuzzTests {
    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &rng))
            return
        }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: // bit flip
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1: // random byte
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        case 2: // truncate
            bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
        case 3: // insert
            let i = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(
                contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng)
                }, at: i)
        case 4: // interesting 16/32-bit values (lengths, counts)
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            let value = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0xFFFF_FFFF, 64, 65].randomElement(using: &rng)!
            for k in 0..<min(4, bytes.count - i) { bytes[i + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
        default: // delete a range
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...8, using: &rng)))
        }
    }

    @Test func frameDecoderSurvivesMutations() {
        var rng = SplitMix64(seed: 2024)
        let decoder = FrameDecoder(limits: .init(maxElements: 4096))
        let ext = try! FrameExtension(truth: SIMD3(1, 2, 3), extra: ["a": [1, "b", nil]])
        let seeds = [
            Fixtures.parts(Fixtures.frame(extension: ext)),
            Fixtures.parts(Fixtures.frame(antennas: 2, subcarriers: 3), encoding: .complexInt16(scale: 0.01)),
            FrameHeaderTests.handAssembledParts(headerLength: 72),
        ]
        var accepted = 0
        for iteration in 0..<4000 {
            var parts = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                if Int.random(in: 0..<10, using: &rng) == 0 {
                    // Structural mutation: drop, duplicate or add a part.
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: if !parts.isEmpty { parts.remove(at: Int.random(in: 0..<parts.count, using: &rng)) }
                    case 1: parts.append(parts.randomElement(using: &rng) ?? [])
                    default: parts.append(Array("{\"truth\":[0,0,0]}".utf8))
                    }
                } else if !parts.isEmpty {
                    let p = Int.random(in: 0..<parts.count, using: &rng)
                    Self.mutate(&parts[p], &rng)
                }
            }
            do {
                let frame = try decoder.decode(parts)
                accepted += 1
                #expect(frame.samples.count == 2 * frame.antennaCount * frame.subcarrierCount)
                #expect(frame.samples.allSatisfy { $0.isFinite })
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
        #expect(accepted > 0) // some mutations are benign (flags, timestamps, extension members, ...)
    }

    @Test func jsonAndFixDecodersSurviveMutations() {
        var rng = SplitMix64(seed: 77)
        let seed = PositionFixTests.sampleFix().jsonBytes()
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) { Self.mutate(&bytes, &rng) }
            if let fix = try? PositionFix(jsonBytes: bytes) {
                // Anything accepted re-encodes to JSON that decodes to the same fix.
                #expect((try? PositionFix(jsonBytes: fix.jsonBytes()))?.isIdentical(to: fix) == true)
            }
            _ = try? FrameExtension(parsing: bytes)
        }
    }

    @Test func captureReaderSurvivesMutations() throws {
        var rng = SplitMix64(seed: 31337)
        let file = try CaptureFileTests.fileBytes()
        let expected = CaptureFileTests.records()
        for _ in 0..<1500 {
            var bytes = file
            for _ in 0..<Int.random(in: 1...3, using: &rng) { Self.mutate(&bytes, &rng) }
            let reader = CaptureReader(bytes: bytes)
            let records = (try? reader.readAll()) ?? []
            // Every record returned is one that was written (CRC-32C makes accidental acceptance negligible).
            #expect(records.allSatisfy { expected.contains($0) })
            #expect(reader.report.recordsRead == records.count)
            #expect(reader.report.bytesSkipped <= Int64(bytes.count))
            if reader.report.isClean && reader.metadata != nil {
                #expect(records.count <= expected.count)
            }
        }
    }
}
