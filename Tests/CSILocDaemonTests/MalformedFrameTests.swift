import CSIWire
import Foundation
import Testing

@testable import CSILocDaemon

/// Every class of bad input is rejected, counted under its reason, and the daemon keeps serving.
@Suite(.serialized)
struct MalformedFrameTests {
    /// One malformed message per rejection reason the daemon can see with its configuration.
    static func malformedMessages() -> [(reason: String, parts: [[UInt8]])] {
        let good = TinyFrames.make(count: 1, receiver: 2, ue: 5)[0]
        let parts = TinyFrames.parts(good)
        func header(_ edit: (inout [UInt8]) -> Void) -> [[UInt8]] {
            var p = parts
            edit(&p[1])
            return p
        }
        func put16(_ h: inout [UInt8], _ offset: Int, _ v: UInt16) {
            h[offset] = UInt8(v & 0xFF); h[offset + 1] = UInt8(v >> 8)
        }
        func put32(_ h: inout [UInt8], _ offset: Int, _ v: UInt32) {
            for i in 0..<4 { h[offset + i] = UInt8((v >> (8 * UInt32(i))) & 0xFF) }
        }
        var nan = good
        nan.samples[3] = .nan
        var inf = good
        inf.samples[0] = -.infinity
        var crc = parts
        crc[2][5] ^= 0x40
        var ci16ZeroScale = header { put32(&$0, 56, 0) } // scale 0 with format ci16 (payload sized for ci16)
        ci16ZeroScale[1][45] = 1
        ci16ZeroScale[2] = Array(ci16ZeroScale[2].prefix(ci16ZeroScale[2].count / 2))
        put32(&ci16ZeroScale[1], 60, 0)
        let wrongShape = TinyFrames.make(count: 1, receiver: 2, ue: 5)[0]
        let eightByFour = CSIFrame(
            seq: 1, receiverID: 2, ueID: 5, antennaCount: 8, subcarrierCount: 4,
            samples: wrongShape.samples + wrongShape.samples)
        // (Topics outside the subscription, e.g. pos/v1/…, never reach the daemon: ZeroMQ filters them.)
        return [
            ("wrong_part_count", [parts[0], parts[1]]),
            ("wrong_part_count", parts + [[1], [2]]),
            ("bad_topic", [Array("csi/v1/x/5".utf8)] + parts.dropFirst()),
            ("bad_topic", [Array("csi/v1/2/05".utf8)] + parts.dropFirst()),
            ("topic_header_mismatch", [Array("csi/v1/2/6".utf8)] + parts.dropFirst()),
            ("short_header", header { $0 = Array($0.prefix(40)) }),
            ("bad_magic", header { $0[0] = UInt8(ascii: "X") }),
            ("bad_version", header { put16(&$0, 4, 2) }),
            ("bad_header_length", header { put16(&$0, 6, 72) }),
            ("unsupported_tx_ports", header { $0[44] = 2 }),
            ("unsupported_format", header { $0[45] = 9 }),
            ("unsupported_layout", header { $0[46] = 7 }),
            ("zero_dimension", header { put16(&$0, 40, 0) }),
            (
                "oversized",
                header {
                    put16(&$0, 40, 0xFFFF); put16(&$0, 42, 0xFFFF)
                }
            ),
            // Every part within input.max_message_bytes (65536), the whole above it. (A single part above
            // it is refused by libzmq itself, ZMQ_MAXMSGSIZE: the connection drops, nothing is counted.)
            (
                "oversized",
                [parts[0], parts[1], [UInt8](repeating: 0, count: 40_000), [UInt8](repeating: 0, count: 40_000)]
            ),
            (
                "size_mismatch",
                {
                    var p = parts; p[2].removeLast(8); return p
                }()
            ),
            ("bad_scale", ci16ZeroScale),
            ("crc_mismatch", crc),
            ("non_finite_sample", try! FrameEncoder(computeCRC: false).encode(nan)),
            ("non_finite_sample", try! FrameEncoder(computeCRC: true).encode(inf)),
            ("bad_extension", parts.prefix(3) + [Array("not json".utf8)]),
            ("bad_extension", parts.prefix(3) + [Array("{\"truth\": [1, \"a\"]}".utf8)]),
            ("shape_mismatch", TinyFrames.parts(eightByFour)),
            ("wrong_part_count", [Array("csi/v1/2/5".utf8)]),
        ]
    }

    @Test func everyClassIsRejectedCountedAndSurvived() async throws {
        let harness = try await onThread { try Harness("malformed") { _ in testConfigYAML(perUE: 64) } }
        defer { harness.close() }
        let messages = Self.malformedMessages()
        for m in messages {
            harness.send(parts: m.parts)
        }
        // Degenerate but well-formed channels: localized (whatever the status), never a crash.
        let clean = TinyFrames.make(count: 3, receiver: 2, ue: 9, firstSeq: 100)
        var zeros = clean[0]
        zeros.samples = [Float](repeating: 0, count: zeros.samples.count)
        var huge = clean[1]
        huge.samples = huge.samples.map { $0 * 1e30 }
        harness.send(zeros)
        harness.send(huge)
        harness.send(clean[2])
        let served = try await onThread {
            waitUntil(timeout: .seconds(30)) { harness.received.contains { $0.seq == clean[2].header.seq } }
        }
        #expect(served)
        let s = harness.snapshot()
        var expected: [String: Int] = [:]
        for m in messages { expected[m.reason, default: 0] += 1 }
        #expect(s.rejectedByReason == expected)
        #expect(s.rejected == messages.count)
        let last = try #require(harness.received.first { $0.seq == clean[2].header.seq })
        #expect(last.status == .ok && (last.truthErrorM ?? 1) < 1e-3)
        #expect(harness.received.contains { $0.seq == zeros.header.seq })
        #expect(harness.received.contains { $0.seq == huge.header.seq })
        // The Prometheus exposition carries every reason as a label.
        let text = String(decoding: harness.daemon.metrics.exposition(), as: UTF8.self)
        #expect(text.contains("csilocd_frames_rejected_total{reason=\"crc_mismatch\"} 1"))
        #expect(text.contains("csilocd_frames_rejected_total{reason=\"shape_mismatch\"} 1"))
    }
}
