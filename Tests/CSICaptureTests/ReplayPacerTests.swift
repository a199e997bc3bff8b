import CSICapture
import Testing

@Suite("Replay pacing")
struct ReplayPacerTests {
    /// Milliseconds, rounded to the nanosecond.
    func ms(_ d: Duration) -> Double {
        Double(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000) / 1e6
    }

    @Test("due times follow the recorded receive times scaled by the speed")
    func scaled() {
        var pacer = ReplayPacer(speed: .factor(2))
        let t0: Int64 = 1_000_000_000_000
        let dues = [0, 10, 30, 100].map { pacer.due(forRecordAt: t0 + Int64($0) * 1_000_000) }.map(ms)
        #expect(dues == [0, 5, 15, 50])
    }

    @Test("a receive time going backwards never moves the schedule backwards")
    func monotone() {
        var pacer = ReplayPacer(speed: .realTime)
        let dues = [0, 20, 5, 30].map { pacer.due(forRecordAt: Int64($0) * 1_000_000) }.map(ms)
        #expect(dues == [0, 20, 20, 30])
    }

    @Test("a looped pass starts one mean interval after the previous pass")
    func loop() {
        var pacer = ReplayPacer(speed: .realTime)
        let first = [0, 10, 20].map { pacer.due(forRecordAt: 5_000_000_000 + Int64($0) * 1_000_000) }.map(ms)
        pacer.startNextPass()
        let second = [0, 10, 20].map { pacer.due(forRecordAt: 5_000_000_000 + Int64($0) * 1_000_000) }.map(ms)
        #expect(first == [0, 10, 20])
        #expect(second == [30, 40, 50])
    }

    @Test("maximum speed: everything is due at once")
    func maximum() {
        var pacer = ReplayPacer(speed: .maximum)
        #expect(pacer.due(forRecordAt: 0) == .zero)
        #expect(pacer.due(forRecordAt: 9_000_000_000) == .zero)
    }

    @Test("speed arguments")
    func parsing() {
        #expect(ReplaySpeed(argument: "max") == .maximum)
        #expect(ReplaySpeed(argument: "1") == .realTime)
        #expect(ReplaySpeed(argument: "2.5") == .factor(2.5))
        #expect(ReplaySpeed(argument: "10x") == .factor(10))
        for bad in ["0", "-1", "nan", "inf5", "fast", ""] { #expect(ReplaySpeed(argument: bad) == nil) }
    }
}
