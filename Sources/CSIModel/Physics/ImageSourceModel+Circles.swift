public import CSIChannel

extension ImageSourceModel {
    /// How far (in wavelengths of the highest subcarrier evaluated) an image element may lie from a circle's axis,
    /// and the points of one group from one circle (axial plus radial offset), for a path to be shared around it: a
    /// path length is then the same at every point of the group within 3·10⁻⁸ λ, i.e. its phase within 2·10⁻⁷ rad
    /// at every subcarrier — Float32 rounding.
    static let circleTolerance = 1e-8

    /// The sources a circle about `axis` sees the same all around, on the elements at `offsets`: straight paths
    /// (no edge) with a constant gain (no slopes; the model has no gain map) from image elements that all lie on the
    /// axis within `tolerance` metres — the direct path of a line array, and its images in planes perpendicular to
    /// the array. Spherical wavefronts only (a plane wave's direction phase is not shared). In the model's order.
    func circleSharedSources(about axis: AxisLine, offsets: [SIMD3<Double>], tolerance: Double) -> [Int] {
        guard phaseModel == .spherical, gainMap == nil else { return [] }
        return sources.indices.filter { l in
            let s = sources[l]
            guard s.edge == nil, s.gainSlope.0 == .zero, s.gainSlope.1 == .zero, s.gainSlope.2 == .zero else {
                return false
            }
            return offsets.allSatisfy { axis.cylindrical(s.element($0)).radial <= tolerance }
        }
    }

    /// `ChannelModel.evaluateSplit(onCircles:…)` by the fused kernel: per group on one circle, the shared sources
    /// (`circleSharedSources`) are accumulated once, at the group's first point, into the workspace's own channel,
    /// and every point of the group adds its other sources to that (read, not copied — copied when every source is
    /// shared). A group whose points are not on one circle within the tolerance, or a model with nothing to share, is
    /// evaluated point by point: the values of `evaluateSplit` exactly.
    public func evaluateSplit(
        onCircles positions: UnsafeBufferPointer<Point3>, pointsPerCircle: Int, about axis: AxisLine,
        antennaStride: Int, subcarrierStride: Int, re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutableBufferPointer<Double>
    ) {
        let na = antennaCount, ns = subcarrierCount
        precondition(antennaStride >= 1 && subcarrierStride >= 1, "strides must be positive")
        let offsets = Swift.stride(from: 0, to: na, by: antennaStride).map { frame.offsets[$0] }
        let kept = Swift.stride(from: 0, to: ns, by: subcarrierStride).map { frequencies[$0] }
        let highest = kept.max() ?? 0
        let tolerance = Self.circleTolerance * speedOfLight / highest
        let shared =
            tolerance.isFinite && highest > 0
            ? circleSharedSources(about: axis, offsets: offsets, tolerance: tolerance) : []
        guard pointsPerCircle > 1, !shared.isEmpty, na > 0, ns > 0,
            let df = SubcarrierPlan(frequencies: frequencies).uniformSpacing
        else {
            evaluateSplit(
                positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: re, im: im,
                scratch: scratch)
            return
        }
        let n = offsets.count * kept.count, spacing = df * Double(subcarrierStride)
        let w = ScoringWorkspace(
            antennas: offsets.count, subcarriers: kept.count, hRe: nil, hIm: nil, offsets: offsets, sources: sources)
        // After the model's order (`w.order[0..<P]`, for groups not on one circle: the values of `evaluateSplit`),
        // the shared sources, then the others (each in the model's order).
        let p = sources.count
        var isShared = [Bool](repeating: false, count: p)
        for l in shared { isShared[l] = true }
        for (i, l) in (shared + sources.indices.filter { !isShared[$0] }).enumerated() { w.order[p + i] = l }
        let common = p..<(p + shared.count), own = (p + shared.count)..<(2 * p)
        let base = (re: UnsafePointer(w.ownRe), im: UnsafePointer(w.ownIm))
        var start = 0
        while start < positions.count {
            let end = Swift.min(positions.count, start + pointsPerCircle)
            let first = axis.cylindrical(positions[start])
            let onCircle = (start + 1..<end).allSatisfy { i in
                let c = axis.cylindrical(positions[i])
                return abs(c.axial - first.axial) + abs(c.radial - first.radial) <= tolerance
            }
            if onCircle && end - start > 1 {
                w.tRe = w.ownRe; w.tIm = w.ownIm
                accumulateFused(at: positions[start], into: w, frequencies: kept, spacing: spacing, sources: common)
                for b in start..<end {
                    w.tRe = re + b * n; w.tIm = im + b * n
                    accumulateFused(
                        at: positions[b], into: w, frequencies: kept, spacing: spacing, sources: own,
                        startingFrom: base)
                }
            } else {
                for b in start..<end {
                    w.tRe = re + b * n; w.tIm = im + b * n
                    accumulateFused(at: positions[b], into: w, frequencies: kept, spacing: spacing)
                }
            }
            start = end
        }
    }
}
