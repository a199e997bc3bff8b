// libFuzzer harness: CSIWire.FrameDecoder (wire protocol v1 CSI frames, docs/protocol.md), as csilocd's receive
// thread runs it. Input: the message parts joined by FuzzInput.partSeparator.
// Invariant: a frame the decoder accepts re-encodes (cf32, CRC) and decodes again to the same header and samples.
import CSIWire
import FuzzSupport

/// The daemon's default limits (input.max_elements defaults to the decoder's).
let decoder = FrameDecoder()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = FuzzInput.parts(FuzzInput.bytes(data, size))
    guard let frame = try? decoder.decode(parts) else { return 0 }
    let again: CSIFrame
    do {
        again = try decoder.decode(try FrameEncoder().encode(frame))
    } catch {
        FuzzInput.fail("accepted frame does not round-trip: \(error)")
    }
    guard again.header.seq == frame.header.seq, again.antennaCount == frame.antennaCount,
        again.subcarrierCount == frame.subcarrierCount, again.extension == frame.extension,
        again.samples.count == frame.samples.count,
        zip(again.samples, frame.samples).allSatisfy({ $0.bitPattern == $1.bitPattern })
    else { FuzzInput.fail("round trip changed the frame") }
    return 0
}

@main
enum Harness {
    static func main() {
        FuzzMain.run(fuzzFrame) {
            func frame(_ na: UInt16, _ ns: UInt16, seed: Float, ext: FrameExtension? = nil) -> CSIFrame {
                let samples = (0..<(2 * Int(na) * Int(ns))).map { Float($0 % 7) * 0.25 - seed }
                return CSIFrame(
                    seq: 7, receiverID: 3, ueID: 17, antennaCount: na, subcarrierCount: ns, samples: samples,
                    tCaptureNs: 1_700_000_000_000_000_000, tPublishNs: 1_700_000_000_001_000_000,
                    metaEpoch: 2, snrDb: 20, flags: 1, extension: ext)
            }
            let ext = try FrameExtension(
                truth: SIMD3(1.5, -2, 0.25), extra: ["note": "seed", "k": [1, 2.5, nil, true]])
            return [
                ("cf32-crc", FuzzInput.join(try FrameEncoder().encode(frame(2, 4, seed: 0.5)))),
                ("cf32-nocrc", FuzzInput.join(try FrameEncoder(computeCRC: false).encode(frame(1, 1, seed: 0)))),
                (
                    "ci16-crc",
                    FuzzInput.join(try FrameEncoder(encoding: .complexInt16(scale: 0.01)).encode(frame(2, 3, seed: 1)))
                ),
                ("cf32-extension", FuzzInput.join(try FrameEncoder().encode(frame(1, 2, seed: 0, ext: ext)))),
            ]
        }
    }
}
