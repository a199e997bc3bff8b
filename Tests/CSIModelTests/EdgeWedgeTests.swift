import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// A diffracted path's wedge coefficient (`EdgeWedge`, `EdgeLine.coefficient`) against the simulator's diffracted
/// field, whose geometry (cylindrical coordinates about the edge, Keller's point, the legs) is computed its own way.
@Suite struct EdgeWedgeTests {
    static let corner = ImageSourceFitterDiffractionTests.corner
    static let scene = ImageSourceFitterDiffractionTests.scene

    /// Receivers in the corner's shadow, near its shadow boundary (φ = π + φ′) on both sides, and lit.
    static let receivers = [
        Point3(1, 2.5, 1), Point3(0.6, 3, 1), Point3(2.8, 0.95, 1.2), Point3(2.8, 0.75, 1.2), Point3(3, -1, 1),
        Point3(-3, -4, 2.5),
    ]

    /// The model's diffracted path (coefficient over spreading) equals the simulator's envelope Γ g D/√(s s′ (s + s′))
    /// (isotropic elements, no reflection: Γ g = 1) from every antenna, at every subcarrier's wavenumber.
    @Test func theCoefficientOverTheSpreadingIsTheSimulatorsEnvelope() throws {
        let sim = ChannelSimulator(scene: Self.scene)
        let path = try #require(sim.diffractedPaths.first)
        let line = EdgeLine(Self.corner)
        for x in Self.receivers {
            for a in Self.scene.array.positions {
                let g = try #require(path.geometry(at: x, antenna: a, scene: Self.scene), "\(x)")
                for f in Self.scene.subcarriers.frequencies {
                    let k = 2 * Double.pi * f / speedOfLight
                    let expected = path.envelope(g, wavenumber: k, scene: Self.scene)
                    let model =
                        line.coefficient(from: a, to: x, wavenumber: k)
                        / Complex(line.spreading(from: a, to: x).divisor, 0)
                    #expect(
                        (model - expected).length <= 1e-9 * expected.length, "\(x) from \(a): \(model) vs \(expected)")
                }
            }
        }
    }

    /// A mirror (a flat survey's, or a reflector's after the edge) maps the wedge with the line: the coefficient of the
    /// mirrored source and receiver around the mirrored edge is the original's.
    @Test func mirroringKeepsTheCoefficient() {
        let line = EdgeLine(Self.corner), k = 2 * Double.pi * 3.5e9 / speedOfLight
        let e = Self.scene.array.positions[0]
        let normal = Point3(0.3, -0.8, 0.2).normalized, origin = Point3(4, -2, 0.5)
        func reflect(_ p: Point3) -> Point3 { p - normal * (2 * (p - origin).dot(normal)) }
        func reflectDirection(_ v: Point3) -> Point3 { v - normal * (2 * v.dot(normal)) }
        let inPlane = line.mirrored(z0: 1.5)
        let inMirror = line.reflected(point: reflect, direction: reflectDirection)
        for x in Self.receivers {
            let d = line.coefficient(from: e, to: x, wavenumber: k)
            let flat = inPlane.coefficient(
                from: Point3(e.x, e.y, 3 - e.z), to: Point3(x.x, x.y, 3 - x.z), wavenumber: k)
            let mirror = inMirror.coefficient(from: reflect(e), to: reflect(x), wavenumber: k)
            #expect((flat - d).length <= 1e-9 * d.length && (mirror - d).length <= 1e-9 * d.length, "\(x)")
        }
    }

    /// The gradients (central differences with the line's step) against central differences with a step ten times
    /// larger, away from the boundaries; and a receiver inside the wedge or on the line reads finite values.
    @Test func gradientsAndDegenerateReceivers() {
        let line = EdgeLine(Self.corner), k = 2 * Double.pi * 3.5e9 / speedOfLight
        let e = Self.scene.array.positions[2], h = 1e-4
        for x in [Point3(1, 2.5, 1), Point3(3, -1, 1)] {
            let rx = line.coefficientAndReceiverGradient(from: e, to: x, wavenumber: k)
            let se = line.coefficientAndSourceGradient(from: e, to: x, wavenumber: k)
            for c in 0..<3 {
                var d = Point3.zero
                d[c] = h
                let dx =
                    (line.coefficient(from: e, to: x + d, wavenumber: k)
                        - line.coefficient(from: e, to: x - d, wavenumber: k)) / Complex(2 * h, 0)
                let de =
                    (line.coefficient(from: e + d, to: x, wavenumber: k)
                        - line.coefficient(from: e - d, to: x, wavenumber: k)) / Complex(2 * h, 0)
                let gx = [rx.gradient.0, rx.gradient.1, rx.gradient.2][c]
                let ge = [se.gradient.0, se.gradient.1, se.gradient.2][c]
                #expect((gx - dx).length <= 1e-5 * max(dx.length, rx.value.length), "∂D/∂x\(c) at \(x)")
                #expect((ge - de).length <= 1e-5 * max(de.length, se.value.length), "∂D/∂e\(c) at \(x)")
            }
        }
        for x in [Point3(-1, 1, 1), Point3(0, 0, 1), Point3(-1e-9, 2, 1)] {
            let d = line.coefficientAndReceiverGradient(from: e, to: x, wavenumber: k)
            #expect(d.value.isFinite && d.gradient.0.isFinite && d.gradient.1.isFinite, "\(x): \(d.value)")
        }
    }
}
