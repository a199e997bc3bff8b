import Testing

@testable import CSIChannel

@Suite struct PositionSamplerTests {
    let region = Region(x: -5...5, y: -5...5, z: 1.5...1.5)

    @Test func quarterWavelengthGridOverTenMetres() {
        let spacing = 0.0214
        let n = Int((10 / spacing).rounded(.down)) + 1 // 468 per axis
        #expect(PositionSampler.gridCount(in: region, spacing: spacing) == n * n)
        let g = PositionSampler.grid(in: Region(x: 0...1, y: 0...0.5, z: 2...2), spacing: 0.25)
        #expect(g.count == 5 * 3)
        #expect(g[1] == Point3(0.25, 0, 2)) // x varies fastest
        #expect(g[5] == Point3(0, 0.25, 2))
    }

    @Test func uniformPointsAreInsideAndReproducible() {
        let a = PositionSampler.uniform(in: region, count: 2000, seed: 5)
        let b = PositionSampler.uniform(in: region, count: 2000, seed: 5)
        let c = PositionSampler.uniform(in: region, count: 2000, seed: 6)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy(region.contains))
        // Roughly uniform: each quadrant holds 25 % ± 5 %.
        let q = a.filter { $0.x > 0 && $0.y > 0 }.count
        #expect(abs(Double(q) / 2000 - 0.25) < 0.05)
    }
}

@Suite struct TrajectoryTests {
    static let region = Region(x: -5...5, y: -5...5, z: 1.5...1.5)

    /// Ordered, inside the region, at the requested speed (step length = speed / rate away from bounces), smooth
    /// (heading changes per step bounded), deterministic per seed.
    @Test func walkIsSmoothInsideAndAtSpeed() {
        let t = Trajectory(kind: .walk, speed: 1.4, rate: 100)
        let p = t.positions(in: Self.region, count: 6000, seed: 3)
        #expect(p.count == 6000)
        #expect(p.allSatisfy { Self.region.contains($0) })
        #expect(p == t.positions(in: Self.region, count: 6000, seed: 3))
        #expect(p != t.positions(in: Self.region, count: 6000, seed: 4))
        var steps: [Double] = []
        for k in 1..<p.count {
            let d = p[k] - p[k - 1]
            steps.append((d * d).sum().squareRoot())
        }
        #expect(steps.allSatisfy { $0 <= 0.014 + 1e-12 }) // never faster than the speed
        let atSpeed = steps.filter { abs($0 - 0.014) < 1e-9 }.count
        #expect(Double(atSpeed) > 0.97 * Double(steps.count)) // only bounce steps are shorter
        // It explores: over 60 s at 1.4 m/s the path covers a good part of the 10 m × 10 m area.
        let cells = Set(p.map { Int(($0.x + 5) / 2) * 10 + Int(($0.y + 5) / 2) })
        #expect(cells.count >= 8)
    }

    @Test func foldReflects() {
        #expect(Trajectory.fold(5.5, into: -5...5) == (4.5, true))
        #expect(Trajectory.fold(-5.25, into: -5...5) == (-4.75, true))
        #expect(Trajectory.fold(15.5, into: -5...5) == (-4.5, false)) // two bounces
        #expect(Trajectory.fold(25.5, into: -5...5) == (4.5, true)) // three
        #expect(Trajectory.fold(1, into: 2...2) == (2, false))
    }

    @Test func vehicleIsFasterAndStraighter() {
        let v = Trajectory(kind: .vehicle, rate: 20)
        #expect(v.speed == 8)
        let p = v.positions(in: Region(x: -50...50, y: -50...50, z: 1...2), count: 200, seed: 1)
        #expect(p.allSatisfy { $0.z == 1.5 })
        let d = p[1] - p[0]
        #expect(abs((d * d).sum().squareRoot() - 0.4) < 1e-9)
    }
}
