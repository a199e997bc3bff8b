// libFuzzer harness: CSIWire.CaptureReader (capture files, docs/capture-format.md: header, records, CRCs,
// resynchronisation after damage) as `csiloc replay`/`evaluate` read them, each record then decoded as a
// frame or a fix like those commands do. Input: the capture file's bytes.
// Invariant: the report adds up (records read = records returned) and the reader terminates.
import CSIWire
import FuzzSupport

let decoder = FrameDecoder()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let reader = CaptureReader(bytes: FuzzInput.bytes(data, size))
    _ = reader.metadata?.encodedForFuzzing()
    var returned = 0
    while let record = (try? reader.next()) ?? nil {
        returned += 1
        if returned > size + 1 { FuzzInput.fail("more records than bytes: the reader does not terminate") }
        if reader.metadata?.kind == .positions {
            _ = try? PositionFix(parts: record.parts)
        } else {
            _ = try? decoder.decode(record.parts)
        }
    }
    if reader.report.recordsRead != returned {
        FuzzInput.fail("report says \(reader.report.recordsRead) records read, \(returned) returned")
    }
    let report = reader.report
    if report.damage.reduce(Int64(0), { $0 + $1.byteCount }) != report.bytesSkipped || report.bytesSkipped > Int64(size)
        || report.damage.contains(where: { $0.offset < 0 || $0.offset > Int64(size) || $0.byteCount < 0 })
    {
        FuzzInput.fail("damage report does not add up for a \(size)-byte input: \(report.damage)")
    }
    return 0
}

extension CaptureMetadata {
    /// Touches every field (the reader parsed them from the file's JSON header).
    func encodedForFuzzing() -> Int {
        tool.count + toolVersion.count + created.count + sourceEndpoint.count + topicPrefix.count
            + (antennas?.count ?? 0) + (frequencies?.count ?? 0) + (carrier.map { $0.isFinite ? 1 : 0 } ?? 0)
    }
}

@main
enum Harness {
    static func main() {
        FuzzMain.run(fuzzCapture) {
            func capture(
                _ name: String, _ metadata: CaptureMetadata, _ records: [[[UInt8]]]
            ) throws -> (name: String, bytes: [UInt8]) {
                let path = SeedWriter.scratchPath(name)
                let writer = try CaptureWriter(path: path, metadata: metadata, overwrite: true)
                for (i, parts) in records.enumerated() {
                    try writer.append(parts: parts, tRecvNs: 1_700_000_000_000_000_000 + Int64(i) * 10_000_000)
                }
                try writer.close()
                return (name, SeedWriter.take(path))
            }
            func frame(_ seq: UInt64, _ na: UInt16, _ ns: UInt16) -> CSIFrame {
                CSIFrame(
                    seq: seq, receiverID: 1, ueID: 2, antennaCount: na, subcarrierCount: ns,
                    samples: (0..<(2 * Int(na) * Int(ns))).map { Float($0) * 0.125 }, snrDb: 15)
            }
            let csi = CaptureMetadata(
                tool: "fuzz-seed", toolVersion: "1", created: "2026-01-01T00:00:00.000Z",
                sourceEndpoint: "tcp://127.0.0.1:5555", topicPrefix: "csi/v1/",
                antennas: [SIMD3(0, 0, 1), SIMD3(0.06, 0, 1)], frequencies: [3.5e9, 3.501e9],
                carrier: 3.5e9, extra: ["scene": "street"])
            let fix = PositionFix(
                seq: 1, receiverID: 1, ueID: 2, tCaptureNs: 5, tPublishNs: 6, position: SIMD3(1, 2, 1.5))
            let positions = CaptureMetadata(
                tool: "fuzz-seed", toolVersion: "1", created: "2026-01-01T00:00:00.000Z",
                kind: .positions)
            let ext = try FrameExtension(truth: SIMD3(1, 2, 1.5))
            var withTruth = frame(3, 1, 2)
            withTruth.extension = ext
            return [
                try capture(
                    "csi-3-records", csi,
                    [
                        try FrameEncoder().encode(frame(1, 2, 2)),
                        try FrameEncoder(encoding: .complexInt16(scale: 0.01)).encode(frame(2, 2, 2)),
                        try FrameEncoder().encode(withTruth),
                    ]),
                try capture("csi-empty", csi, []),
                try capture("positions-1-record", positions, [fix.messageParts()]),
            ]
        }
    }
}
