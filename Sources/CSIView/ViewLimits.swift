/// The viewer's bounds: memory and work stay fixed whatever the feed or the browsers do.
public struct ViewLimits: Sendable, Equatable {
    /// UEs (receiver, UE pairs) on the map; beyond, the least recently seen is evicted (counted).
    public var maxUEs = 256
    /// Positions kept per UE for its tails (fix tail and track tail each).
    public var tailLength = 100
    /// Recent truth errors kept for the error statistics.
    var errorWindow = 2000
    /// Browsers streaming at once; more get `503`.
    public var maxClients = 8
    /// Events queued for a browser that does not read; beyond, it is dropped (its stream ends; counted).
    var clientQueue = 16
    /// Seconds between updates sent to browsers (at most; none when nothing changed).
    var updateInterval = 0.25
    /// Seconds between keep-alive comments on an idle stream (they also reveal closed connections).
    var keepAliveInterval = 10.0
    /// Seconds a request handler may take (FlyingFox's timeout; streams are not cut by it).
    var requestTimeout = 10.0
    /// Prometheus series kept from the daemon's `/metrics`.
    var maxMetricSeries = 64

    /// Largest ``maxUEs`` × ``tailLength``: the positions kept per tail kind over all UEs (≈ 100 B each with
    /// both tails).
    static let maxTailPositions = 1_000_000

    /// Creates the default limits documented on each property.
    public init() {}

    /// Checks every bound: positive and within sane maxima.
    ///
    /// - Throws: ``ViewError`` naming the bound.
    public func validate() throws(ViewError) {
        let integers: [(String, Int, ClosedRange<Int>)] = [
            ("max UEs", maxUEs, 1...100_000), ("tail length", tailLength, 1...10_000),
            ("error window", errorWindow, 1...1_000_000),
            ("max clients", maxClients, 1...1000), ("client queue", clientQueue, 1...10_000),
            ("max metric series", maxMetricSeries, 0...10_000),
        ]
        for (name, value, range) in integers where !range.contains(value) {
            throw ViewError("\(name) \(value) must be in \(range.lowerBound)...\(range.upperBound)")
        }
        guard maxUEs * tailLength <= Self.maxTailPositions else {
            throw ViewError(
                "max UEs (--max-ues) \(maxUEs) × tail length (--tail) \(tailLength) = \(maxUEs * tailLength) tail positions: at most \(Self.maxTailPositions) — lower one of them"
            )
        }
        let seconds: [(String, Double, ClosedRange<Double>)] = [
            ("update interval", updateInterval, 0.01...60), ("keep-alive interval", keepAliveInterval, 0.1...3600),
            ("request timeout", requestTimeout, 0.1...3600),
        ]
        for (name, value, range) in seconds where !range.contains(value) {
            throw ViewError("\(name) \(value) s must be in \(range.lowerBound)...\(range.upperBound) s")
        }
    }
}
