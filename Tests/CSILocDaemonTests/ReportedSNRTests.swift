import CSIChannel
import CSINumerics
import CSIWire
import Foundation
import Testing

@testable import CSILocDaemon

/// The daemon takes each frame's header `snr_db` as its noise level (`search.reported_snr`, default on): fixes of
/// 30 dB frames are `ok` when the header says 30 dB and `suspect` when it overstates 60 dB — unless the config
/// turns the reports off.
@Suite(.serialized)
struct ReportedSNRDaemonTests {
    /// Tiny-scene frames with 30 dB of noise whose headers report `reported` dB.
    static func frames(reporting reported: Float, firstSeq: UInt64) -> [CSIFrame] {
        var rng = SeededGenerator(seed: 11)
        let scene = TinyFrames.scene
        return TinyFrames.make(count: 6, firstSeq: firstSeq, seed: 3).map { frame in
            var f = frame
            f.samples.withUnsafeMutableBufferPointer {
                Impairments(snrDB: 30).apply(
                    to: $0, antennas: scene.array.positions.count, frequencies: scene.subcarriers.frequencies,
                    carrier: scene.subcarriers.carrier, rng: &rng)
            }
            f.header.snrDb = reported
            return f
        }
    }

    /// The statuses of the honest and the overstated frames' fixes, under `search:` with `searchKeys` added.
    static func statuses(
        searchKeys: String = ""
    ) async throws -> (
        honest: [PositionFix.Status], overstated: [PositionFix.Status]
    ) {
        // The tiny scene's cost is flat enough that a refined runner-up often loses by less than 3 noise deviations
        // (`ambiguous`): off here, this suite is about the noise level.
        let keys = "\n  flag_ambiguous: false" + searchKeys
        let harness = try await onThread {
            try Harness("snr") { _ in testConfigYAML(workers: 1, perUE: 64, method: "robust" + keys) }
        }
        defer { harness.close() }
        let honest = frames(reporting: 30, firstSeq: 0), overstated = frames(reporting: 60, firstSeq: 100)
        // A receiver claiming −30 dB (all noise) on 30 dB frames: capped at twice the frame's own estimate.
        let understated = frames(reporting: -30, firstSeq: 200)
        for frame in honest + overstated + understated {
            harness.send(frame)
            usleep(2_000)
        }
        let complete = try await onThread { waitUntil(timeout: .seconds(30)) { harness.received.count >= 18 } }
        #expect(complete)
        let fixes = harness.received
        // Every frame's report was used (the oracle's error is known), and the metrics say so.
        if searchKeys.isEmpty {
            let text = String(decoding: harness.daemon.metrics.exposition(), as: UTF8.self)
            #expect(text.contains("csilocd_noise_levels_total{source=\"reported\"} 12"), "\(text)")
            #expect(text.contains("csilocd_noise_levels_total{source=\"report-capped\"} 6"), "\(text)")
        }
        return (
            fixes.filter { $0.seq < 100 }.map(\.status), fixes.filter { (100..<200).contains($0.seq) }.map(\.status)
        )
    }

    @Test func headerSNRSetsTheStatusByDefault() async throws {
        let s = try await Self.statuses()
        #expect(s.honest.count == 6 && s.honest.allSatisfy { $0 == .ok }, "\(s.honest)")
        #expect(s.overstated.count == 6 && s.overstated.allSatisfy { $0 == .suspect }, "\(s.overstated)")
    }

    @Test func reportsAreIgnoredWhenTheConfigSaysSo() async throws {
        // The frame's own estimate then judges both alike (the tiny LoS scene is sparse: it is close to the truth).
        let s = try await Self.statuses(searchKeys: "\n  reported_snr: false")
        #expect(s.honest.count == 6 && s.honest.allSatisfy { $0 == .ok }, "\(s.honest)")
        #expect(s.overstated.count == 6 && s.overstated.allSatisfy { $0 == .ok }, "\(s.overstated)")
    }
}
