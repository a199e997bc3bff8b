/// The base-station antenna array: element positions in the scene frame and an optional element pattern.
public struct AntennaArray: Sendable, Equatable {
    /// Array geometry.
    public enum Kind: String, Sendable, Codable { case ula, upa }

    /// Array geometry: `ula` (uniform linear) or `upa` (uniform planar).
    public let kind: Kind
    /// Element positions, scene frame, metres. Index order is the antenna index of the CSI
    /// (for a UPA: row-major over `shape`, the first axis varying slowest).
    public let positions: [Point3]
    /// Geometric centre of the elements.
    public let center: Point3
    /// Unit axis along which elements are spaced (UPA: the axis of the first index).
    let axis: Point3
    /// UPA only: the axis of the second index.
    let axis2: Point3?
    /// Element spacing, metres.
    public let spacing: Double
    /// Elements per axis: `[count]` for a ULA, `[rows, cols]` for a UPA.
    public let shape: [Int]
    let pattern: ElementPattern

    /// A uniform linear array of `count` elements centred on `center`.
    package static func ula(
        count: Int, spacing: Double, center: Point3, axis: Point3, pattern: ElementPattern = .isotropic
    ) -> AntennaArray {
        let a = axis.normalized
        let positions = (0..<count).map { i -> Point3 in
            let offset: Double = (Double(i) - Double(count - 1) / 2) * spacing
            return center + a * offset
        }
        return AntennaArray(
            kind: .ula, positions: positions, center: center, axis: a, axis2: nil,
            spacing: spacing, shape: [count], pattern: pattern)
    }

    /// A uniform planar array of `rows × cols` elements centred on `center`.
    static func upa(
        rows: Int, cols: Int, spacing: Double, center: Point3, axis: Point3, axis2: Point3,
        pattern: ElementPattern = .isotropic
    ) -> AntennaArray {
        let a = axis.normalized, b = axis2.normalized
        var positions: [Point3] = []
        positions.reserveCapacity(rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let offsetA: Double = (Double(r) - Double(rows - 1) / 2) * spacing
                let offsetB: Double = (Double(c) - Double(cols - 1) / 2) * spacing
                positions.append(center + a * offsetA + b * offsetB)
            }
        }
        return AntennaArray(
            kind: .upa, positions: positions, center: center, axis: a, axis2: b,
            spacing: spacing, shape: [rows, cols], pattern: pattern)
    }

    /// Number of elements (N_a).
    public var count: Int { positions.count }
}

/// Amplitude (field) pattern of one array element, as a function of the departure direction.
package enum ElementPattern: Sendable, Equatable {
    /// Equal gain in every direction.
    case isotropic
    /// `max(0, cos θ)^exponent`, θ the angle between the departure direction and `boresight`
    /// (a patch-like element that radiates into one half-space). This is an effect the image-source fit
    /// cannot represent with constant path gains.
    case cosine(exponent: Double, boresight: Point3)

    /// Gain toward the unit direction `u`.
    @inlinable package func gain(toward u: Point3) -> Double {
        switch self {
        case .isotropic: return 1
        case .cosine(let n, let b):
            let c = b.dot(u)
            return c > 0 ? pow(c, n) : 0
        }
    }

    /// Gain toward `u` and its gradient with respect to the receiver position, where `u` is the unit vector
    /// `Lᵀ(x − a)/d` and `lb = L·boresight` (so that b·u = lb·(x−a)/d).
    @inlinable func gainAndGradient(u: Point3, lb: Point3, n: Point3, d: Double) -> (Double, Point3) {
        switch self {
        case .isotropic: return (1, .zero)
        case .cosine(let e, let b):
            let c = b.dot(u)
            guard c > 0 else { return (0, .zero) }
            let g = pow(c, e)
            // ∂c/∂x = (I − n nᵀ) lb / d
            let dc = (lb - n * n.dot(lb)) / d
            return (g, dc * (e * g / c))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
