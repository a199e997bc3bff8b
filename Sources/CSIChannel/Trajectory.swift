import CSINumerics
import Foundation

/// Moving transmitters: ordered positions along a smooth random path (`csiloc simulate --trajectory`).
///
/// Constant speed; the heading turns at a rate that is an Ornstein–Uhlenbeck process (mean 0, standard deviation
/// `turnRateSigma`, correlation time `turnRateTime`), so the path is smooth (continuous heading) and random; the
/// path reflects specularly at the borders of the region's x–y footprint. The height is the region's (its
/// middle when the region is 3-D: a device carried at a constant height). Sample k is at time k / rate.
public struct Trajectory: Sendable, Equatable {
    /// The kind of mover, which sets the default speed and turning.
    public enum Kind: String, Sendable, CaseIterable {
        /// A pedestrian: 1.4 m/s by default, turns of ~0.6 rad/s lasting ~2 s.
        case walk
        /// A vehicle: 8 m/s by default, gentle turns (~0.15 rad/s lasting ~4 s).
        case vehicle
    }

    /// The kind of mover.
    public var kind: Kind
    /// m/s.
    public var speed: Double
    /// Samples per second.
    public var rate: Double
    /// rad/s.
    var turnRateSigma: Double
    /// s.
    var turnRateTime: Double

    /// A trajectory of `kind` at `speed` m/s (nil: the kind's default), sampled at `rate` Hz.
    public init(kind: Kind, speed: Double? = nil, rate: Double) {
        self.kind = kind
        self.rate = rate
        switch kind {
        case .walk: self.speed = speed ?? 1.4; turnRateSigma = 0.6; turnRateTime = 2
        case .vehicle: self.speed = speed ?? 8; turnRateSigma = 0.15; turnRateTime = 4
        }
    }

    /// Reflects `value` into `range` (any number of bounces); the second result is whether the direction
    /// along this axis is reversed.
    static func fold(_ value: Double, into range: ClosedRange<Double>) -> (Double, Bool) {
        let length = range.upperBound - range.lowerBound
        guard length > 0 else { return (range.lowerBound, false) }
        var u = (value - range.lowerBound).truncatingRemainder(dividingBy: 2 * length)
        if u < 0 { u += 2 * length }
        return u <= length ? (range.lowerBound + u, false) : (range.upperBound - (u - length), true)
    }

    /// `count` positions, sample k at time k / rate, starting uniformly at random in the region with a random
    /// heading; the same seed gives the same path.
    public func positions(in region: Region, count: Int, seed: UInt64) -> [Point3] {
        var rng = SeededGenerator(seed: seed, stream: 0x5452_414A) // "TRAJ"
        func draw(_ r: ClosedRange<Double>) -> Double { r.lowerBound + (r.upperBound - r.lowerBound) * rng.nextUnit() }
        var x = draw(region.x), y = draw(region.y)
        let z = (region.z.lowerBound + region.z.upperBound) / 2
        var heading = 2 * Double.pi * rng.nextUnit()
        var turnRate = turnRateSigma * rng.nextGaussian()
        let dt = 1 / rate
        // Exact OU step over dt.
        let decay = exp(-dt / turnRateTime), spread = turnRateSigma * (-expm1(-2 * dt / turnRateTime)).squareRoot()
        var out: [Point3] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            out.append(Point3(x, y, z))
            // Heading integrates the turn rate (midpoint), then the position moves along the mean heading.
            let next = turnRate * decay + spread * rng.nextGaussian()
            let mid = heading + (turnRate + next) / 4 * dt
            heading += (turnRate + next) / 2 * dt
            turnRate = next
            var vx = speed * cos(mid), vy = speed * sin(mid)
            let (nx, flipX) = Self.fold(x + vx * dt, into: region.x)
            let (ny, flipY) = Self.fold(y + vy * dt, into: region.y)
            x = nx
            y = ny
            if flipX { vx = -vx }
            if flipY { vy = -vy }
            if flipX || flipY { heading = atan2(vy, vx) }
        }
        return out
    }
}
