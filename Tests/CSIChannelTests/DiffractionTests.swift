import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel

/// Diffraction in the simulator against independent references: the exact Sommerfeld half-plane solution, a
/// brute-force search of the Keller point, the continuity that UTD exists for, and finite differences.
@Suite struct DiffractionTests {
    static let k = 2 * Double.pi * 3.5e9 / speedOfLight

    /// ∫_{−∞}^{a} e^{−jτ²} dτ = √π e^{−jπ/4}/2 + ∫_0^a e^{−jτ²} dτ, the second by composite Simpson (independent of
    /// the series / continued fraction in the source).
    static func fresnelFromMinusInfinity(_ a: Double) -> Complex<Double> {
        let n = 200_000, h = a / Double(n)
        var re = 0.0, im = 0.0
        for i in 0...n {
            let t = Double(i) * h
            let w: Double = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2)
            re += w * cos(t * t); im -= w * sin(t * t)
        }
        return Complex(length: Double.pi.squareRoot() / 2, phase: -Double.pi / 4) + Complex(re * h / 3, im * h / 3)
    }

    /// Sommerfeld's exact total field of a unit plane wave from direction φ′ on a soft half-plane along φ = 0
    /// (e^{jωt}): u = U(ρ, φ − φ′) − U(ρ, φ + φ′), U(ρ, ψ) = e^{jkρ cos ψ} e^{jπ/4}/√π ∫_{−∞}^{√(2kρ) cos(ψ/2)} e^{−jτ²} dτ.
    static func sommerfeld(rho: Double, phi: Double, phiPrime: Double) -> Complex<Double> {
        func u(_ psi: Double) -> Complex<Double> {
            let upper = (2 * k * rho).squareRoot() * cos(psi / 2)
            return Complex(length: 1, phase: k * rho * cos(psi))
                * Complex(length: 1 / Double.pi.squareRoot(), phase: Double.pi / 4)
                * fresnelFromMinusInfinity(upper)
        }
        return u(phi - phiPrime) - u(phi + phiPrime)
    }

    /// A soft half-plane y = 0, x > 0 (edge on the z axis), lit by one antenna 10⁷ m away in direction φ′: a plane
    /// wave to within k ρ²/(2R) ≈ 1.3e-4 rad at ρ = 6 m. Face 0 is modelled by a soft (Γ = −1) reflecting plane.
    static func halfPlane(phiPrime: Double, distance: Double = 1e7) -> (Scene, Point3) {
        let source = Point3(distance * cos(phiPrime), distance * sin(phiPrime), 0)
        let edge = DiffractingEdge(
            name: "knife", origin: Point3(0, 0, -50), direction: Point3(0, 0, 1), length: 100,
            face0: Point3(1, 0, 0), n: 2, faceDepth: (1000, 1000))
        let sheet = ReflectingPlane(
            name: "sheet", point: Point3(500, 0, 0), normal: Point3(0, 1, 0), reflection: Complex(-1, 0),
            extent: (u: Point3(1, 0, 0), size: (1000, 100)))
        let scene = Scene(
            name: "half-plane", array: .ula(count: 1, spacing: 0.04, center: source, axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(frequencies: [3.5e9]), planes: [sheet], maxReflectionOrder: 1,
            ueRegion: Region(x: -1...1, y: -1...1, z: 0...0), edges: [edge])
        return (scene, source)
    }

    @Test("half-plane: GO + UTD equals Sommerfeld's exact solution (lit, shadow boundary, shadow, reflection side)")
    func halfPlaneMatchesSommerfeld() {
        let phiPrime = 3.785, rho = 6.0
        let (scene, source) = Self.halfPlane(phiPrime: phiPrime)
        let sim = ChannelSimulator(scene: scene)
        let incidentAtEdge = Complex<Double>(length: 1 / source.length, phase: -Self.k * source.length)
        // The shadow boundary: the ray from the source through the edge, continued to ρ; a hair to each side.
        let boundaryDir = (Point3.zero - source).normalized, side = Point3(-boundaryDir.y, boundaryDir.x, 0)
        var points: [(Point3, String)] = [
            (0.2, "deep shadow"), (0.5, "shadow"), (1.2, "lit"), (2.5, "lit"), (4.4, "lit"),
            (5.9, "reflection side"),
        ].map { (Point3(rho * cos($0.0), rho * sin($0.0), 0), $0.1) }
        points.append((boundaryDir * rho + side * 1e-6, "shadow boundary (lit side)"))
        points.append((boundaryDir * rho - side * 1e-6, "shadow boundary (shadow side)"))
        for (p, what) in points {
            let h = sim.channels(at: [p])
            let total = Complex(h[0], h[1]) / incidentAtEdge
            var phi = atan2(p.y, p.x); if phi < 0 { phi += 2 * Double.pi }
            let exact = Self.sommerfeld(rho: rho, phi: phi, phiPrime: phiPrime)
            #expect((total - exact).length < 2e-3, "\(what) at φ = \(phi): simulator \(total), exact \(exact)")
            if what.hasPrefix("shadow boundary") {
                #expect(abs(total.length - 0.5) < 0.02, "\(what): |u|/|u_inc| = \(total.length), expected ≈ 0.5")
            }
            if what == "deep shadow" { #expect(total.length < 0.05) }
        }
    }

    @Test("the transition function: F(0) = 0, F → 1 + j/(2X) for large X, and it matches Simpson quadrature")
    func transitionFunction() {
        #expect(DiffractionCoefficient.transition(0) == .zero)
        let big = 400.0
        #expect(
            (DiffractionCoefficient.transition(big) - Complex(1 - 3 / (4 * big * big), 1 / (2 * big))).length < 1e-6)
        for x in [0.01, 0.5, 3.9, 4.1, 12.0, 59.9, 60.1, 250.0] {
            let v = x.squareRoot()
            let tail = Complex(length: Double.pi.squareRoot(), phase: -Double.pi / 4) - Self.fresnelFromMinusInfinity(v)
            let reference = Complex(0, 2 * v) * Complex(length: 1, phase: x) * tail
            #expect((DiffractionCoefficient.transition(x) - reference).length < 1e-8, "X = \(x)")
        }
    }

    @Test("the Keller-cone point is the minimum of s + s′ along the edge (brute force)")
    func kellerPointMinimisesTheLength() {
        let edge = DiffractingEdge(
            name: "e", origin: Point3(1, 2, -1), direction: Point3(0.3, -0.2, 1), length: 9,
            face0: Point3(1, 0, 0), n: 1.5, faceDepth: (0.01, 0.01))
        let scene = Scene(
            name: "k", array: .ula(count: 1, spacing: 0.04, center: .zero, axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(frequencies: [3.5e9]), ueRegion: Region(x: 0...1, y: 0...1, z: 0...0),
            edges: [edge])
        let path = DiffractedPath(edge: 0)
        var checked = 0
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<40 {
            let a = Point3(
                Double.random(in: -6...6, using: &rng), Double.random(in: -6...6, using: &rng),
                Double.random(in: -2...6, using: &rng))
            let x = Point3(
                Double.random(in: -6...6, using: &rng), Double.random(in: -6...6, using: &rng),
                Double.random(in: -2...6, using: &rng))
            guard let g = path.geometry(at: x, antenna: a, scene: scene) else { continue }
            // Brute force: a fine scan of the edge, then golden-section refinement.
            func len(_ t: Double) -> Double {
                let q = edge.origin + edge.direction * t; return (q - a).length + (x - q).length
            }
            var best = 0.0
            for i in 0...9000 { let t = Double(i) * 0.001; if len(t) < len(best) { best = t } }
            var lo = max(0, best - 0.001), hi = min(edge.length, best + 0.001)
            for _ in 0..<80 {
                let m1 = lo + 0.382 * (hi - lo), m2 = lo + 0.618 * (hi - lo)
                if len(m1) < len(m2) { hi = m2 } else { lo = m1 }
            }
            let q = edge.origin + edge.direction * ((lo + hi) / 2)
            #expect((g.point - q).length < 1e-6)
            #expect(abs(g.length - len((lo + hi) / 2)) < 1e-9)
            // Equal angles to the edge.
            let cosIn = (g.point - a).normalized.dot(edge.direction),
                cosOut = (x - g.point).normalized.dot(edge.direction)
            #expect(abs(cosIn - cosOut) < 1e-9)
            checked += 1
        }
        #expect(checked >= 5)
    }

    /// A right-angled corner (n = 1.5) with both faces as reflecting planes whose Γ the edge shares, a ground, and a
    /// 4-antenna array; the corner's vertical edge is at the origin, the building occupies x < 0, y > 0.
    static func corner(antennas: Int = 4, subcarriers: Int = 4) -> Scene {
        let g0 = Complex<Double>(-0.4, 0.15), gn = Complex<Double>(-0.35, 0.2)
        let planes = [
            ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1)),
            ReflectingPlane(
                name: "south", point: Point3(-20, 0, 10), normal: Point3(0, -1, 0), reflection: g0,
                extent: (u: Point3(1, 0, 0), size: (40, 20))),
            ReflectingPlane(
                name: "east", point: Point3(0, 20, 10), normal: Point3(1, 0, 0), reflection: gn,
                extent: (u: Point3(0, 1, 0), size: (40, 20))),
            ReflectingPlane(
                name: "across", point: Point3(0, -10, 10), normal: Point3(0, 1, 0), reflection: Complex(0.3, -0.2),
                extent: (u: Point3(1, 0, 0), size: (60, 20))),
        ]
        let edge = DiffractingEdge(
            name: "corner", origin: .zero, direction: Point3(0, 0, 1), length: 20, face0: Point3(-1, 0, 0),
            n: 1.5, faceDepth: (40, 40), reflection: (g0, gn))
        return Scene(
            name: "corner",
            array: .ula(
                count: antennas, spacing: speedOfLight / 3.5e9 / 2, center: Point3(-25, -4, 6), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 100e6, count: subcarriers), planes: planes,
            maxReflectionOrder: 2, ueRegion: Region(x: 1...9, y: 1...15, z: 1.5...1.5), edges: [edge])
    }

    /// The largest jump of H between two points `step` apart across a boundary, relative to |H|.
    static func jump(_ sim: ChannelSimulator, _ a: Point3, _ b: Point3) -> Double {
        let ha = sim.channels(at: [a]), hb = sim.channels(at: [b])
        var worst = 0.0, scale = 0.0
        for i in stride(from: 0, to: ha.count, by: 2) {
            worst = max(worst, Complex(ha[i] - hb[i], ha[i + 1] - hb[i + 1]).length)
            scale = max(scale, Complex(ha[i], ha[i + 1]).length)
        }
        return worst / scale
    }

    @Test("GO + UTD is continuous across the corner's shadow boundary and a face's reflection boundary")
    func continuityAcrossBoundaries() {
        let scene = Self.corner(antennas: 1, subcarriers: 4)
        let sim = ChannelSimulator(scene: scene)
        let a = scene.array.positions[0]
        // Shadow boundary: the plane through the edge and the antenna; reflection boundary off face 0 (y = 0): the
        // plane through the edge and the antenna's image in it.
        for (source, what) in [(a, "shadow"), (Point3(a.x, -a.y, a.z), "reflection")] {
            let q = Point3(0, 0, 3) // a point on the edge
            let along = (q - source).normalized
            let across = along.cross(Point3(0, 0, 1)).normalized // perpendicular to the boundary plane
            for t in [6.0, 11.0] {
                let p = q + along * t
                let step = 1e-6
                let withUTD = Self.jump(sim, p + across * step, p - across * step)
                #expect(
                    withUTD < 2e-3,
                    "\(what) boundary at \(p): relative jump \(withUTD), diffracted \(Self.diffractedJump(sim, p + across * step, p - across * step))"
                )
                // The diffracted field alone jumps there, compensating the GO jump (the test is not vacuous).
                let diffOnly = Self.diffractedJump(sim, p + across * step, p - across * step)
                #expect(diffOnly > 0.1, "\(what) boundary: the diffracted field alone jumps by \(diffOnly)")
            }
        }
    }

    /// The jump of the diffracted contribution alone, relative to the total |H|.
    static func diffractedJump(_ sim: ChannelSimulator, _ a: Point3, _ b: Point3) -> Double {
        func diffracted(_ x: Point3) -> Complex<Double> {
            var acc = MultipathAccumulator(antennas: sim.antennaCount, frequencies: sim.frequencies)
            acc.clear()
            sim.accumulateDiffraction(at: x, into: &acc)
            return Complex(acc.tRe[0], acc.tIm[0])
        }
        let h = sim.channels(at: [a])
        return (diffracted(a) - diffracted(b)).length / Complex(h[0], h[1]).length
    }

    @Test("the Jacobian includes the diffracted paths (central finite differences)")
    func jacobianWithDiffraction() {
        let sim = ChannelSimulator(scene: Self.corner(antennas: 3, subcarriers: 4))
        // Behind the corner (NLoS: diffraction and reflections only), near it, and in line of sight.
        for x in [Point3(3, 12, 1.5), Point3(1.5, 4, 1.2), Point3(8, 1, 1.5)] {
            #expect(!sim.diffractedPathsReaching(x).isEmpty)
            #expect(SimulatorJacobianTests.maxRelativeError(sim, at: x) <= 1e-5, "at \(x)")
        }
        #expect(!sim.hasLineOfSight(at: Point3(3, 12, 1.5)) && sim.hasLineOfSight(at: Point3(8, 1, 1.5)))
    }
}
