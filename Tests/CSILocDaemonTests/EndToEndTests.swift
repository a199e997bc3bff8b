import CSIWire
import Foundation
import Testing

@testable import CSILocDaemon

/// Frames with known positions go in, one fix per frame comes out, with the right sequence numbers and
/// sub-millimetre errors on the clean tiny scene — over tcp and over ipc.
@Suite(.serialized)
struct EndToEndTests {
    @Test(arguments: ["tcp", "ipc"])
    func oneFixPerFrame(transport: String) async throws {
        let harness = try await onThread {
            try Harness("e2e-\(transport)") { dir in
                transport == "tcp"
                    ? testConfigYAML(perUE: 64)
                    : testConfigYAML(input: "ipc://\(dir)/csi.ipc", output: "ipc://\(dir)/pos.ipc", perUE: 64)
            }
        }
        defer { harness.close() }
        let ues: [UInt32] = [1, 2, 3, 4]
        let perUE = 10
        let byUE = ues.enumerated().map { i, ue in
            TinyFrames.make(count: perUE, receiver: 1, ue: ue, seed: UInt64(10 + i))
        }
        // Interleave UEs; `seq` counts per publisher (receiver), in send order.
        var interleaved: [CSIFrame] = []
        for k in 0..<perUE {
            for u in ues.indices {
                var frame = byUE[u][k]
                frame.header.seq = UInt64(interleaved.count)
                interleaved.append(frame)
            }
        }
        let frames = interleaved
        for frame in frames { // paced well below capacity so nothing is superseded
            harness.send(frame)
            usleep(2_000)
        }
        let complete = try await onThread {
            waitUntil(timeout: .seconds(30)) { harness.received.count >= frames.count }
        }
        #expect(complete)
        let fixes = harness.received
        #expect(fixes.count == frames.count)
        #expect(Set(fixes.map(\.seq)) == Set(frames.map(\.header.seq)))
        let truth = Dictionary(uniqueKeysWithValues: frames.map { ($0.header.seq, $0) })
        for fix in fixes {
            let frame = try #require(truth[fix.seq])
            #expect(fix.ueID == frame.header.ueID && fix.receiverID == 1)
            #expect(fix.status == .ok)
            #expect(fix.frame == "tiny")
            #expect(fix.model.hasPrefix("oracle:tiny-los@"))
            #expect(fix.tCaptureNs == frame.header.tCaptureNs)
            #expect(fix.latencyMs.isFinite && fix.latencyMs >= 0)
            let error = try #require(fix.truthErrorM)
            #expect(error < 1e-3, "seq \(fix.seq): error \(error) m")
            let d = fix.position - frame.truth!
            #expect(abs((d * d).sum().squareRoot() - error) < 1e-9)
        }
        let s = harness.snapshot()
        #expect(s.rejected == 0 && s.superseded == 0 && s.dropped == 0)
        #expect(s.sequenceGaps == 0)
        #expect(harness.undecodable == 0)
    }

    @Test func sequenceGapsAreCountedPerReceiver() async throws {
        let harness = try await onThread { try Harness("gaps") { _ in testConfigYAML(perUE: 64) } }
        defer { harness.close() }
        let frames = TinyFrames.make(count: 10, receiver: 7, ue: 1)
        for (i, frame) in frames.enumerated() where i != 3 && i != 4 && i != 8 {
            harness.send(frame)
            usleep(2_000)
        }
        let done = try await onThread { waitUntil(timeout: .seconds(20)) { harness.received.count >= 7 } }
        #expect(done)
        #expect(harness.snapshot().sequenceGaps == 3)
    }
}
