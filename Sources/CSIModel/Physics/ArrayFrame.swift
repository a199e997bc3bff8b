public import CSIChannel

/// The base-station array seen as a rigid body: its centre, three orthonormal axes and each element's
/// offsets along them. An image array (the array mirrored through one or more reflectors) has the same
/// offsets along its own, possibly mirrored, axes — so a path is described by a centre and a frame.
public struct ArrayFrame: Sendable, Equatable {
    /// Centre of the element positions, metres.
    public let center: Point3
    /// Principal axes of the element positions (largest spread first).
    let axes: (Point3, Point3, Point3)
    /// Offsets (t, s, w) of each element along the three axes.
    let offsets: [SIMD3<Double>]

    /// Equal when centre and axes match (the offsets follow from them).
    public static func == (a: ArrayFrame, b: ArrayFrame) -> Bool {
        a.center == b.center && a.axes.0 == b.axes.0 && a.axes.1 == b.axes.1 && a.axes.2 == b.axes.2
            && a.offsets == b.offsets
    }

    /// Number of axes along which elements are spread (1 = linear, 2 = planar, 3 = volumetric).
    var dimensionality: Int {
        var dims = 0
        for c in 0..<3 where offsets.contains(where: { abs($0[c]) > 1e-9 }) { dims += 1 }
        return max(dims, 1)
    }

    /// Derives the frame from element positions by principal component analysis.
    init(antennas: [Point3]) {
        let n = Double(max(antennas.count, 1))
        let c = antennas.reduce(Point3.zero, +) / n
        var cov = [[Double]](repeating: [0, 0, 0], count: 3)
        for a in antennas {
            let d = a - c
            for r in 0..<3 { for s in 0..<3 { cov[r][s] += d[r] * d[s] } }
        }
        let (vectors, _) = Self.symmetricEigen(cov)
        var e1 = vectors[0], e2 = vectors[1]
        // Deterministic signs: the largest component of each axis positive.
        func canonical(_ v: Point3) -> Point3 {
            let i = [abs(v.x), abs(v.y), abs(v.z)].enumerated().max { $0.element < $1.element }!.offset
            return v[i] < 0 ? -v : v
        }
        e1 = canonical(e1); e2 = canonical(e2)
        let e3 = e1.cross(e2)
        center = c
        axes = (e1, e2, e3)
        offsets = antennas.map { a in
            let d = a - c
            var o = SIMD3<Double>(d.dot(e1), d.dot(e2), d.dot(e3))
            for i in 0..<3 where abs(o[i]) < 1e-12 { o[i] = 0 }
            return o
        }
    }

    /// Eigenvectors of a symmetric 3×3 matrix by Jacobi rotations, sorted by decreasing eigenvalue.
    static func symmetricEigen(_ m: [[Double]]) -> ([Point3], [Double]) {
        var a = m
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<50 {
            var off = 0.0
            for p in 0..<3 { for q in (p + 1)..<3 { off += a[p][q] * a[p][q] } }
            if off < 1e-30 { break }
            for p in 0..<3 {
                for q in (p + 1)..<3 where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<3 {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<3 {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<3 {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<3).sorted { a[$0][$0] > a[$1][$1] }
        return (order.map { Point3(v[0][$0], v[1][$0], v[2][$0]) }, order.map { a[$0][$0] })
    }
}
