import CSIChannel

extension Localizer {
    /// The span stage's coarse antenna stride: `configured` when positive; automatic (0): 2 where every other
    /// antenna (in the array's order) still leaves at least 8 antennas, each kept one no more than λ₀ from the next
    /// kept one, else 1. The span stage's costs only rank (axial, radial) nodes, whose circles are then scanned
    /// with the full phase-sensitive cost: every other antenna keeps the aperture (so the range and wavefront
    /// curvature the nodes differ by), and at a spacing ≤ λ₀ a grating lobe lies a whole unit of sin θ from the main lobe (outside the visible range near broadside), so a
    /// node far from the frame's cannot alias onto it. Halves the span stage's model work (docs/localization.md,
    /// "UEs at any height").
    static func coarseAntennaStride(configured: Int, antennas: [Point3], wavelength: Double) -> Int {
        guard configured == 0 else { return max(1, configured) }
        guard antennas.count >= 16 else { return 1 }
        for j in Swift.stride(from: 0, to: antennas.count - 2, by: 2) {
            let gap = (antennas[j + 2] - antennas[j]).length
            // 10⁻⁶: arrays stored in Float32 (NPZ files) are half a wavelength apart to ~10⁻⁷.
            guard gap.isFinite, gap <= wavelength * (1 + 1e-6) else { return 1 }
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
