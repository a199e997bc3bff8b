import CSIChannel

extension Localizer {
    /// Whether the circle stage (d) and the second refinement (e) could change the fix `x` of cost `cost` for the
    /// frame loaded in `s.match` (always true without a circle mismatch map).
    ///
    /// They are skipped only when the fix passes the noise test (it would not be flagged) *and* its cost is below
    /// `CircleMismatchMap.wrongFixCostBound` for the smallest spurious-circle mismatch around it: had the fix been
    /// such a spurious minimum, its cost could not be that low at any noise level. The frame's signal energy is
    /// taken as ‖H‖² − cost (for a wrong fix this underestimates it, which only lowers the bound).
    /// docs/localization.md, "Adaptive circles".
    func circlesNeeded(at x: Point3, cost: Double, _ s: inout LocalizerScratch) -> Bool {
        guard let map = circleMap else { return true }
        return stageNeeded(map, at: x, cost: cost, &s)
    }

    /// The same test for the ambiguity stage (c''), against the mismatch of the model's near-repeats.
    func ambiguityNeeded(at x: Point3, cost: Double, _ s: inout LocalizerScratch) -> Bool {
        guard let map = ambiguityMismatchMap else { return true }
        return stageNeeded(map, at: x, cost: cost, &s)
    }

    private func stageNeeded(_ map: CircleMismatchMap, at x: Point3, cost: Double, _ s: inout LocalizerScratch) -> Bool
    {
        guard cost.isFinite, cost >= 0, x.x.isFinite, x.y.isFinite, x.z.isFinite else { return true }
        let test = noiseTest(at: x, &s)
        guard cost <= test.costThreshold, !test.untrusted else { return true }
        let bound = CircleMismatchMap.wrongFixCostBound(
            mismatch: map.mismatch(near: x), signalEnergy: max(s.match.energy - cost, 0), modelError: test.allowed,
            entries: model.antennaCount * model.subcarrierCount, parameters: parameterCount,
            sigmas: configuration.grossErrorSigmas)
        return !(cost < bound)
    }
}
