import CSIChannel
import CSITracking
import CSIWire
import Foundation
import StrictYAML
import Testing

@testable import CSILocDaemon

/// `tracking:` configuration and the daemon's tracked output.
@Suite(.serialized)
struct TrackingTests {
    @Test func defaultsAreOffAndTheShippedExampleParses() throws {
        let c = try DaemonConfiguration.parse(yaml: "model: {oracle_scene: \(tinyScenePath)}", file: "min.yaml")
        #expect(!c.tracking.enabled)
        #expect(c.tracking.tracker == TrackerConfiguration())
        let shipped = try DaemonConfiguration.load(contentsOf: repositoryRoot + "/etc/csilocd.yaml")
        #expect(shipped.tracking == c.tracking)
        let full = try DaemonConfiguration.parse(
            yaml: """
                model: {oracle_scene: s.yaml}
                tracking:
                  enabled: true
                  acceleration_psd: 2.5
                  gate_probability: 0.999
                  outliers_to_restart: 3
                  restart_after_s: 0.5
                  expire_after_s: 30
                  max_tracks: 10
                  measurement_floor_m: 0.001
                  default_measurement_sigma_m: 0.1
                  initial_speed_sigma_mps: 10
                """, file: "t.yaml")
        let t = full.tracking.tracker
        #expect(
            full.tracking.enabled && t.accelerationPSD == 2.5 && t.gateProbability == 0.999 && t.outliersToRestart == 3)
        #expect(t.restartAfterSeconds == 0.5 && t.expireAfterSeconds == 30 && t.maxTracks == 10)
        #expect(t.measurementFloorM == 0.001 && t.defaultMeasurementSigmaM == 0.1 && t.initialSpeedSigmaMps == 10)
        #expect(Daemon.restartOnlyChanges(from: c, to: full) == ["tracking"])
    }

    /// (yaml under `tracking:`, line, dotted key, message fragment)
    static let bad: [(String, Int, String, String)] = [
        ("  gate_probability: 1.5\n", 3, "tracking.gate_probability", "0.5...0.999999999"),
        ("  acceleration_psd: .nan\n", 3, "tracking.acceleration_psd", "finite"),
        ("  restart_after_s: .inf\n", 3, "tracking.restart_after_s", "finite"),
        ("  max_tracks: 0\n", 3, "tracking.max_tracks", "1...1048576"),
        ("  outliers_to_restart: -2\n", 3, "tracking.outliers_to_restart", "1...1000"),
        ("  measurement_floor_m: -0.001\n", 3, "tracking.measurement_floor_m", "finite number"),
        ("  max_trackz: 3\n", 3, "tracking.max_trackz", "unknown key"),
        ("  enabled: maybe\n", 3, "tracking.enabled", "wrong type"),
        ("  expire_after_s: soon\n", 3, "tracking.expire_after_s", "wrong type"),
    ]

    @Test(arguments: 0..<bad.count)
    func errorsAreLocated(index: Int) throws {
        let (body, line, key, fragment) = Self.bad[index]
        do {
            _ = try DaemonConfiguration.parse(
                yaml: "model: {oracle_scene: s.yaml}\ntracking:\n" + body, file: "bad.yaml")
            Issue.record("accepted: \(body)")
        } catch let error as YAMLFileError {
            #expect(error.line == line, "\(error)")
            #expect(error.path == key, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    /// A UE moving in a straight line at 100 Hz on the tiny scene, one frame carrying the channel of a point 30 cm
    /// off the path: that fix is published `outlier` with the track's prediction, every other fix updates the track,
    /// and the track's velocity is the UE's.
    @Test func outlierIsMarkedAndTheTrackFollowsTheUE() async throws {
        let harness = try await onThread {
            try Harness("tracking") { _ in testConfigYAML(workers: 1, perUE: 64, extra: "tracking: {enabled: true}") }
        }
        defer { harness.close() }
        let sim = TinyFrames.simulator
        let velocity = SIMD3(0.5, 0.3, 0.0)
        let truths = (0..<40).map { SIMD3(-0.3, -0.2, 0.0) + velocity * (Double($0) * 0.01) }
        let jumped = 25
        var measured = truths
        measured[jumped] += SIMD3(0.3, 0, 0)
        let values = sim.channels(at: measured)
        let stride = sim.valuesPerChannel
        let t0: Int64 = 1_767_225_600_000_000_000
        for k in truths.indices {
            let frame = CSIFrame(
                seq: UInt64(k), receiverID: 2, ueID: 5, antennaCount: UInt16(sim.antennaCount),
                subcarrierCount: UInt16(sim.subcarrierCount),
                samples: values[(k * stride)..<((k + 1) * stride)].map { Float($0) },
                tCaptureNs: t0 + Int64(k) * 10_000_000, extension: try FrameExtension(truth: truths[k]))
            harness.send(frame)
            usleep(3_000)
        }
        let done = try await onThread { waitUntil(timeout: .seconds(30)) { harness.received.count >= truths.count } }
        #expect(done)
        let fixes = harness.received.sorted { $0.seq < $1.seq }
        #expect(fixes.count == truths.count)
        for fix in fixes {
            let k = Int(fix.seq)
            let track = try #require(fix.track)
            #expect(track.covariance.count == 4 && track.velocityCovariance.count == 4)
            if k == jumped {
                #expect(fix.status == .outlier)
                #expect(track.event == "outlier")
                #expect(track.nis > 100)
                let d = track.position - truths[k]
                #expect((d * d).sum().squareRoot() < 0.01, "prediction \(track.position) vs truth \(truths[k])")
            } else {
                #expect(fix.status == .ok)
                #expect(track.event == (k == 0 ? "started" : "updated"), "seq \(k): \(track.event)")
            }
        }
        let last = try #require(fixes.last?.track)
        #expect(abs(last.velocity.x - 0.5) < 0.05 && abs(last.velocity.y - 0.3) < 0.05, "\(last.velocity)")
        #expect(abs(last.speedMps - (0.34).squareRoot()) < 0.05)
        #expect(last.updates == truths.count - 1)
        let s = harness.snapshot()
        #expect(s.trackEvents["outlier"] == 1)
        #expect((s.trackEvents["updated"] ?? 0) >= truths.count - 2)
        #expect(s.tracks == 2) // this UE and the harness's probe
        let exposition = String(decoding: harness.daemon.metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains("csilocd_track_events_total{event=\"outlier\"} 1"))
        #expect(exposition.contains("csilocd_fixes_published_total{status=\"outlier\"} 1"))
        #expect(exposition.contains("csilocd_tracks 2"))
    }

    /// Without `tracking`, fixes carry no `track` and are never `outlier`.
    @Test func offMeansNoTrack() async throws {
        let harness = try await onThread { try Harness("notracking") { _ in testConfigYAML(workers: 1, perUE: 64) } }
        defer { harness.close() }
        for frame in TinyFrames.make(count: 5, receiver: 2, ue: 5) { harness.send(frame); usleep(3_000) }
        let done = try await onThread { waitUntil(timeout: .seconds(30)) { harness.received.count >= 5 } }
        #expect(done)
        #expect(harness.received.allSatisfy { $0.track == nil && $0.status == .ok })
    }
}
