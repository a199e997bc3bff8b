import CSIWire
import Foundation
import Synchronization

/// What the consumer on the proxy's backend counts (``ProxyBenchmark``): per daemon and frame, how often its fix
/// arrived, and the latencies of first arrivals. Fed on the subscriber thread; the feeder marks send times.
///
/// Daemon i's frames are receiver `firstReceiver + i`; its j-th frame has `seq = seqBase[i] + j` and UE
/// `j mod ues`; the probes are UE `ues`. A fix matching no frame sent (another receiver, `seq` or UE) is
/// `foreign`.
final class ProxyConsumer: Sendable {
    struct State {
        /// Arrivals per daemon and frame index.
        var counts: [[UInt32]]
        var sentAt: [[ContinuousClock.Instant?]]
        var seqBase: [UInt64]
        var duplicates: [Int]
        var probes: [Int]
        /// The fixes' `latency_ms` (receipt → publish in the daemon) and send → consumer, ms, first arrivals.
        var latencyMs: [[Double]]
        var endToEndMs: [[Double]]
        var foreign = 0, undecodable = 0
        /// Frames whose fix arrived (at least once), all daemons.
        var distinct = 0
        var lastArrival: ContinuousClock.Instant?
    }

    let firstReceiver: UInt32
    let ues: Int
    private let state: Mutex<State>

    /// A consumer expecting `framesPerDaemon[i]` frames of daemon i.
    init(framesPerDaemon: [Int], firstReceiver: UInt32, ues: Int) {
        self.firstReceiver = firstReceiver
        self.ues = ues
        let n = framesPerDaemon.count
        state = Mutex(
            State(
                counts: framesPerDaemon.map { [UInt32](repeating: 0, count: $0) },
                sentAt: framesPerDaemon.map { [ContinuousClock.Instant?](repeating: nil, count: $0) },
                seqBase: [UInt64](repeating: .max, count: n), duplicates: [Int](repeating: 0, count: n),
                probes: [Int](repeating: 0, count: n),
                latencyMs: framesPerDaemon.map { _ in [] }, endToEndMs: framesPerDaemon.map { _ in [] }))
    }

    /// The UE of the probe frames.
    var probeUE: UInt32 { UInt32(ues) }

    /// Frames of daemon `daemon` start at `seq` (after its probes).
    func setSeqBase(_ seq: UInt64, daemon: Int) { state.withLock { $0.seqBase[daemon] = seq } }

    /// The feeder is about to publish frame `index` of `daemon`.
    func markSent(daemon: Int, index: Int, at instant: ContinuousClock.Instant) {
        state.withLock { $0.sentAt[daemon][index] = instant }
    }

    /// One message from the proxy's backend.
    func receive(_ parts: [[UInt8]]) {
        let now = ContinuousClock.now
        guard let fix = try? PositionFix(parts: parts) else {
            state.withLock { $0.undecodable += 1 }
            return
        }
        state.withLock { s in
            let d = Int(fix.receiverID) - Int(firstReceiver)
            guard d >= 0, d < s.counts.count else { s.foreign += 1; return }
            if fix.ueID == probeUE { s.probes[d] += 1; return }
            guard fix.seq >= s.seqBase[d], fix.seq - s.seqBase[d] < UInt64(s.counts[d].count) else {
                s.foreign += 1
                return
            }
            let j = Int(fix.seq - s.seqBase[d])
            guard fix.ueID == UInt32(j % ues) else { s.foreign += 1; return }
            s.counts[d][j] += 1
            s.lastArrival = now
            if s.counts[d][j] > 1 {
                s.duplicates[d] += 1
                return
            }
            s.distinct += 1
            s.latencyMs[d].append(fix.latencyMs)
            if let sent = s.sentAt[d][j] {
                s.endToEndMs[d].append(ProcessStatistics.seconds(since: sent, now: now) * 1000)
            }
        }
    }

    /// Probe fixes of `daemon` so far.
    func probes(daemon: Int) -> Int { state.withLock { $0.probes[daemon] } }

    /// Distinct frames of every daemon whose fix arrived.
    var distinctTotal: Int { state.withLock { $0.distinct } }

    /// Everything counted so far.
    var snapshot: State { state.withLock { $0 } }
}
