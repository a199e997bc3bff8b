import CSIChannel

/// The polish's reused Jacobian (`Localizer.polish`, `LocalizerConfiguration.polishJacobianReach`): the full
/// model's Jacobian minus its base's at `anchor` — the network's part — added to the base's exact Jacobian at the
/// steps near the anchor (a chord method on the network only; the base, the image sources, stays exact).
struct PolishChord {
    /// Whether refinements on a composite model use it (only during the polish).
    var active = false
    /// Where the network's Jacobian was last taken; nil until the first step of a refinement.
    var anchor: Point3? = nil
    /// J_full − J_base at the anchor (3 blocks of `valuesPerChannel`), and the base's value (scratch).
    var residual: [Double] = []
    var baseValue: [Double] = []
    /// Full-model Jacobians taken and steps that reused one, since the refinement began (`begin`).
    var exactJacobians = 0
    var reusedJacobians = 0

    /// Starts a refinement of the polish: active, no anchor, counters at zero; the buffers sized for `values` per
    /// channel.
    mutating func begin(valuesPerChannel values: Int) {
        active = true; anchor = nil; exactJacobians = 0; reusedJacobians = 0
        if residual.count != 3 * values { residual = .init(repeating: 0, count: 3 * values) }
        if baseValue.count != values { baseValue = .init(repeating: 0, count: values) }
    }

    /// Ends the refinement (refinements evaluate their model exactly again).
    mutating func end() { active = false; anchor = nil }
}
