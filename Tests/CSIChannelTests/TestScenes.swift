import Foundation
import Numerics

@testable import CSIChannel

/// Small scenes built in code, so that every expected value below is computed independently of YAML.
enum TestScenes {
    static let f0 = 3.5e9

    static func losOnly(
        antennas: Int = 1, subcarriers: SubcarrierPlan = SubcarrierPlan(frequencies: [3.5e9]),
        bs: Point3 = Point3(-4, 0.3, 2.5)
    ) -> Scene {
        Scene(
            name: "los",
            array: .ula(count: antennas, spacing: speedOfLight / f0 / 2, center: bs, axis: Point3(0, 1, 0)),
            subcarriers: subcarriers, planes: [], maxReflectionOrder: 0,
            ueRegion: Region(x: -1...1, y: -1...1, z: 1...1))
    }

    static func withPlanes(
        _ planes: [ReflectingPlane], order: Int, antennas: Int = 1,
        subcarriers: SubcarrierPlan = SubcarrierPlan(frequencies: [3.5e9]),
        bs: Point3 = Point3(-4, 0.3, 2.5), nlos: [Region] = [],
        pattern: ElementPattern = .isotropic
    ) -> Scene {
        Scene(
            name: "planes",
            array: .ula(
                count: antennas, spacing: speedOfLight / f0 / 2, center: bs, axis: Point3(0, 1, 0), pattern: pattern),
            subcarriers: subcarriers, planes: planes, maxReflectionOrder: order,
            ueRegion: Region(x: -1...1, y: -1...1, z: 1...1), nlosRegions: nlos)
    }

    /// Reference value of one path term, computed directly: Γ / d · exp(−j 2π f d / c).
    static func term(gain: Complex<Double>, distance d: Double, frequency f: Double) -> Complex<Double> {
        let phi = -2 * Double.pi * f * d / speedOfLight
        return gain * Complex(cos(phi), sin(phi)) * Complex(1 / d, 0)
    }

    static func complexAt(
        _ h: [Double], antenna j: Int, subcarrier k: Int, ns: Int, batch b: Int = 0, na: Int = 1
    ) -> Complex<Double> {
        let i = 2 * ((b * na + j) * ns + k)
        return Complex(h[i], h[i + 1])
    }

    static func relativeError(_ a: Complex<Double>, _ b: Complex<Double>) -> Double {
        (a - b).length / max(b.length, 1e-300)
    }
}
