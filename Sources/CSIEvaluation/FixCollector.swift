import CSIWire
import Synchronization

/// What the harness's subscriber thread collects.
final class FixCollector: Sendable {
    private struct State {
        var fixes: [PositionFix] = []
        var probeReceiver: UInt32?
        var probes = 0
        var undecodable = 0
    }

    private let state = Mutex(State())
    private let keepsFixes: Bool
    private let onFix: @Sendable (PositionFix) -> Void

    init(keepsFixes: Bool, onFix: @escaping @Sendable (PositionFix) -> Void) {
        self.keepsFixes = keepsFixes
        self.onFix = onFix
    }

    func receive(_ parts: [[UInt8]]) {
        guard let fix = try? PositionFix(parts: parts) else {
            state.withLock { $0.undecodable += 1 }
            return
        }
        let isProbe = state.withLock { s -> Bool in
            if fix.receiverID == s.probeReceiver { s.probes += 1; return true }
            if keepsFixes { s.fixes.append(fix) }
            return false
        }
        if !isProbe { onFix(fix) }
    }

    func setProbeReceiver(_ receiver: UInt32) { state.withLock { $0.probeReceiver = receiver } }
    var fixes: [PositionFix] { state.withLock { $0.fixes } }
    var probesReceived: Int { state.withLock { $0.probes } }
    var undecodable: Int { state.withLock { $0.undecodable } }
}
