import CSIChannel

extension Localizer {
    /// The span stage's coarse antenna stride: `configured` when positive; automatic (0): 2 where every other
    /// antenna (in the array's order) still leaves at least 8 antennas, each kept one no more than λ₀ from the next
    /// kept one (a line) or from its nearest kept neighbours along two directions (a planar array), else 1. The span
    /// stage's costs only rank (axial, radial) nodes, whose circles are then scanned
    /// with the full phase-sensitive cost: every other antenna keeps the aperture (so the range and wavefront
    /// curvature the nodes differ by), and at a spacing ≤ λ₀ a grating lobe lies a whole unit of sin θ from the main lobe (outside the visible range near broadside), so a
    /// node far from the frame's cannot alias onto it. Halves the span stage's model work (docs/localization.md,
    /// "UEs at any height").
    static func coarseAntennaStride(configured: Int, antennas: [Point3], wavelength: Double) -> Int {
        guard configured == 0 else { return max(1, configured) }
        guard antennas.count >= 16 else { return 1 }
        // 10⁻⁶: arrays stored in Float32 (NPZ files) are half a wavelength apart to ~10⁻⁷.
        let limit = wavelength * (1 + 1e-6)
        let kept = Swift.stride(from: 0, to: antennas.count, by: 2).map { antennas[$0] }
        // A line within λ₀/100, as the arc stage's (Float32 coordinates, calibrated positions).
        if ArrayAxis(antennas: antennas, tolerance: wavelength / 100) != nil {
            for j in 0..<(kept.count - 1) {
                let gap = (kept[j + 1] - kept[j]).length
                guard gap.isFinite, gap <= limit else { return 1 }
            }
            return 2
        }
        // A planar array: around every kept antenna the kept ones form a lattice whose two shortest non-parallel
        // steps must both be ≤ λ₀ (a longer step along either axis would put a grating lobe in view).
        for (i, a) in kept.enumerated() {
            let steps = kept.indices.filter { $0 != i }.map { kept[$0] - a }.sorted { $0.length < $1.length }
            guard let first = steps.first, first.length.isFinite, first.length <= limit else { return 1 }
            let across = steps.first { v in
                let c = first.cross(v)
                return c.length > 1e-6 * first.length * v.length
            }
            guard let second = across, second.length <= limit else { return 1 }
        }
        return 2
    }

    /// The ranking stages' antenna stride (local grid and circles): `coarseAntennaStride`, at most what still keeps
    /// 8 antennas (a configured stride too: ranking candidates on a handful of antennas would be noise, whatever the
    /// nuisance), else 1.
    static func rankingAntennaStride(configured: Int, antennas: [Point3], wavelength: Double) -> Int {
        let stride = coarseAntennaStride(configured: configured, antennas: antennas, wavelength: wavelength)
        var s = stride
        while s > 1 && (antennas.count + s - 1) / s < 8 { s -= 1 }
        return s
    }
}
