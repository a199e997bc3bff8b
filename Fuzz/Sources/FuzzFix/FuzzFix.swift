// libFuzzer harness: CSIWire's position-fix decoding (JSONValue parser + PositionFix(parts:)), as
// `csiloc evaluate --positions` and `csiloc record` consumers read a fix feed (docs/protocol.md).
// Input: one part (a JSON body, decoded with PositionFix(jsonBytes:)) or two parts [topic, JSON].
// Invariant: an accepted fix serialises, and its JSON decodes again to a fix with the same identity.
import CSIWire
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFix(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    let parts = FuzzInput.parts(bytes)
    // The generic JSON parser on the whole body, whatever it holds (also what frame extensions use).
    // Invariant: whatever it accepts, it accepts again once serialised.
    if parts.count == 1, let value = try? JSONValue(parsing: bytes) {
        do { _ = try JSONValue(parsing: value.serialized()) } catch {
            FuzzInput.fail("accepted JSON does not re-parse after serialisation: \(error)")
        }
    }
    let fix: PositionFix
    do {
        fix = parts.count == 1 ? try PositionFix(jsonBytes: bytes) : try PositionFix(parts: parts)
    } catch {
        return 0
    }
    let again: PositionFix
    do {
        again = try PositionFix(parts: fix.messageParts())
    } catch {
        FuzzInput.fail("accepted fix does not round-trip: \(error)")
    }
    guard again.seq == fix.seq, again.receiverID == fix.receiverID, again.ueID == fix.ueID,
        again.status == fix.status, again.tCaptureNs == fix.tCaptureNs
    else { FuzzInput.fail("round trip changed the fix") }
    return 0
}

@main
enum Harness {
    static func main() {
        FuzzMain.run(fuzzFix) {
            let full = PositionFix(
                seq: 42, receiverID: 3, ueID: 17, tCaptureNs: 1_700_000_000_000_000_000,
                tPublishNs: 1_700_000_000_002_000_000, position: SIMD3(1.25, -3.5, 1.5),
                frame: "street-local", covariance: [1e-4, 2e-6, 0, 2e-6, 3e-4, 0, 0, 0, 1e-6],
                status: .ok, cost: 0.0123, latencyMs: 3.25, model: "abc123", truthErrorM: 0.004,
                stages: ["global": ["ms": 1.5, "best": [0.1, 0.2]]])
            let minimal = PositionFix(
                seq: 0, receiverID: 0, ueID: 0, tCaptureNs: 0, tPublishNs: 0,
                position: SIMD3(.nan, .nan, .nan), ellipseConfidence: nil, status: .failed)
            return [
                ("fix-parts", FuzzInput.join(full.messageParts())),
                ("fix-body", full.jsonBytes()),
                ("fix-minimal-failed", minimal.jsonBytes()),
                ("json-misc", Array(#"{"a":[1,-2.5e-3,1E+9,true,false,null,"\u00e9\n\"x"],"b":{},"c":[]}"#.utf8)),
            ]
        }
    }
}
