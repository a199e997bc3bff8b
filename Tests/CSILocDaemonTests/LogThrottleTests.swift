import CSIWire
import Foundation
import Logging
import Synchronization
import Testing

@testable import CSILocDaemon

/// Log lines a feed can trigger once per frame are rate-limited (issue 13, class 7): a feed repeating seq 0
/// used to log "sequence reset" for every frame. Counting stays exact in the metrics.
@Suite(.serialized)
struct LogThrottleTests {
    @Test func repeatedSequenceResetsLogOncePerInterval() async throws {
        let lines = LogLines()
        let logger = Logger(label: "csilocd-test") { _ in CapturingLogHandler(lines: lines) }
        // rejection_interval_s is 60 in the test configuration: the whole test fits in one interval.
        let harness = try await onThread {
            try Harness("logthrottle", logger: logger) { _ in testConfigYAML(perUE: 64) }
        }
        defer { harness.close() }
        let frame = TinyFrames.make(count: 1, receiver: 3, ue: 1)[0] // seq 0
        let count = 200
        for _ in 0..<count { harness.send(frame) }
        // Then frames that hit the other input-driven lines: a rejection reason and a shape mismatch, repeated.
        var bad = TinyFrames.parts(frame)
        bad[1][0] = UInt8(ascii: "X") // bad_magic
        for _ in 0..<count { harness.send(parts: bad) }
        let served = try await onThread {
            waitUntil(timeout: .seconds(60)) {
                let s = harness.snapshot()
                return (s.rejectedByReason["bad_magic"] ?? 0) == count && s.outstanding == 0
            }
        }
        #expect(served)
        let exposition = String(decoding: harness.daemon.metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains("csilocd_sequence_resets_total \(count - 1)"))
        let logged = lines.all
        #expect(
            logged.filter { $0.contains("sequence reset") }.count == 1,
            "\(logged.filter { $0.contains("sequence reset") }.count) reset lines")
        #expect(logged.filter { $0.contains("frame rejected") }.count == 1)
        #expect(logged.count < 10, "\(logged.count) lines: \(logged.prefix(12))")
    }

    @Test func rateLimitedLogReportsWhatItHeldBack() {
        let lines = LogLines()
        let logger = Logger(label: "t") { _ in CapturingLogHandler(lines: lines) }
        let log = RateLimitedLog(intervalSeconds: 0.05)
        for _ in 0..<1000 { log.log(logger, level: .warning, key: "k", "m") }
        usleep(60_000)
        log.log(logger, level: .warning, key: "k", "m")
        let all = lines.all
        #expect(all.count == 2)
        #expect(all.last?.contains("suppressed_since_last=999") == true)
    }
}

/// Rendered log lines, shared by every handler copy.
final class LogLines: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var all: [String] { storage.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        lines.append("\(event.level) \(event.message) \(meta)")
    }
}
