import CSISearch

/// Mean per frame of each search stage's diagnostics over a set of fixes (the stage table of the reports).
struct StageTable: Sendable {
    /// One stage's means per frame (over all fixes, including those that skipped the stage).
    struct Row: Sendable, Equatable {
        var stage: SearchStage
        var seconds, candidates, values, jacobians: Double
        /// Fraction of frames that ran the stage at least once (adaptive stages run on some frames only).
        var ranFraction: Double
    }

    /// Stages in `SearchStage.allCases` order; stages no fix ran are left out.
    let rows: [Row]

    init(_ fixes: [Fix]) {
        var rows: [Row] = []
        for stage in SearchStage.allCases {
            var t = 0.0, c = 0.0, v = 0.0, j = 0.0, n = 0, frames = 0
            for f in fixes {
                var ran = false
                for s in f.stages where s.stage == stage {
                    t += s.seconds; c += Double(s.candidates); v += Double(s.valueEvaluations);
                    j += Double(s.jacobianEvaluations)
                    n += 1; ran = true
                }
                if ran { frames += 1 }
            }
            if n > 0 {
                let m = Double(fixes.count)
                rows.append(
                    Row(
                        stage: stage, seconds: t / m, candidates: c / m, values: v / m, jacobians: j / m,
                        ranFraction: Double(frames) / m))
            }
        }
        self.rows = rows
    }
}
