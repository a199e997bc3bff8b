import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// Small scenes built in code and helpers shared by the search tests.
enum SearchTestSupport {
    static let f0 = 3.5e9
    static var wavelength: Double { speedOfLight / f0 }

    /// 16 antennas × 8 subcarriers over 100 MHz (with 8 × 8 the map is less injective: ~10 % of points land on a
    /// neighbouring minimum); LoS, ground and a side wall; a 1.2 m × 1.2 m plane at 1 m.
    static func multipath(antennas: Int = 16, subcarriers: Int = 8, wall: Bool = true) -> Scene {
        var planes = [
            ReflectingPlane(name: "ground", point: .zero, normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1))
        ]
        if wall {
            planes.append(
                ReflectingPlane(
                    name: "wall", point: Point3(0, 4, 0), normal: Point3(0, -1, 0), reflection: Complex(0.4, 0.3)))
        }
        return Scene(
            name: "search-test",
            array: .ula(count: antennas, spacing: wavelength / 2, center: Point3(-5, 0.5, 3), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: f0, bandwidth: 100e6, count: subcarriers),
            planes: planes, maxReflectionOrder: 1,
            ueRegion: Region(x: -0.6...0.6, y: -0.6...0.6, z: 1...1))
    }

    /// Line of sight only.
    static func lineOfSight(antennas: Int = 8, subcarriers: Int = 8) -> Scene {
        Scene(
            name: "search-los",
            array: .ula(count: antennas, spacing: wavelength / 2, center: Point3(-4, 0.3, 2.5), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: f0, bandwidth: 100e6, count: subcarriers), planes: [],
            maxReflectionOrder: 0,
            ueRegion: Region(x: -0.6...0.6, y: -0.6...0.6, z: 1...1))
    }

    /// Adds complex white noise at `snrDB` relative to the channel's own energy.
    static func noisy(_ h: [Double], snrDB: Double, rng: inout SeededGenerator) -> [Double] {
        let energy = h.reduce(0) { $0 + $1 * $1 }
        let sigma2 = energy / (Double(h.count / 2) * fromDecibels(snrDB))
        let s = (sigma2 / 2).squareRoot()
        return h.map { $0 + s * rng.nextGaussian() }
    }

    /// h · g·e^{jφ} · e^{−j2π(f_k − f_ref)τ}, antenna-major interleaved.
    static func impaired(_ h: [Double], gain: Double, phase: Double, timing: Double, frequencies: [Double]) -> [Double]
    {
        let ns = frequencies.count, ref = frequencies.reduce(0, +) / Double(ns)
        var out = h
        for i in Swift.stride(from: 0, to: h.count, by: 2) {
            let k = (i / 2) % ns
            let phi = phase - 2 * Double.pi * (frequencies[k] - ref) * timing
            let cr = gain * cos(phi), ci = gain * sin(phi)
            out[i] = h[i] * cr - h[i + 1] * ci
            out[i + 1] = h[i] * ci + h[i + 1] * cr
        }
        return out
    }

    static func horizontalError(_ a: Point3, _ b: Point3) -> Double {
        var d = a - b; d.z = 0; return d.length
    }
}
