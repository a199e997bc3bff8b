import CSIChannel

/// Paths around the scene's known edges (docs/model.md, "Diffracted paths"): before each new point source, the path
/// search tries a diffracted path around every edge of `Options.edges` — from the array itself, from the image of
/// each straight path found so far (reflect, then diffract), and around the edge's mirror in each reflector the
/// straight paths reveal, from the array's image in it (diffract, then reflect) — with the wedge's diffraction
/// coefficient when the edge has its wedge — ranks them by a fit of every gain with the geometry held, refits the best
/// with the straight paths' geometry free, and keeps it if validation NMSE improves by `minimumImprovementDB`. Point sources cannot represent such a path: its wavefront is a cylinder about the edge,
/// not a sphere about an image of the array (`EdgeLine`).
struct DiffractionSearch {
    let context: FitContext
    let reporter: FitReporter
    let wholeArea: [Int]

    /// A diffracted path to try: the source (gain zero), its edge's index, its parent path (1-based; nil: the
    /// array) and whether the edge is mirrored in a reflector (diffract, then reflect).
    struct Candidate {
        var source: ImageSource
        var edge: Int
        var parent: Int?
        var afterReflection = false
    }

    /// Every candidate not yet among `sources` (nor already listed): each edge from the array; from each reading of
    /// each straight path's image (reflect, then diffract — for a flat survey also the image mirrored through its
    /// plane, as `ImageGeometry` reads it); and, for each reflector the straight paths reveal (`ImageGeometry.planes`),
    /// the edge mirrored in it from the array's image in it (diffract, then reflect: folding the last leg about the
    /// reflector makes the path the array's image → the mirrored edge → the receiver).
    func candidates(_ sources: [ImageSource]) -> [Candidate] {
        let geometry = ImageGeometry(
            array: context.frame, surveyHeight: context.flatHeight, surveyCentre: context.centre)
        let array = ImageSource(center: context.frame.center, frame: context.frame.axes)
        let straight = sources.filter { $0.edge == nil }
        let tolerance = context.wavelength
        var out: [Candidate] = []
        func add(_ parent: ImageSource, _ edge: EdgeLine, _ candidate: Candidate) {
            // With a wedge, an image inside it (the array's image in a wall that carries one of the wedge's faces) is
            // no path: the wedge's reflection-boundary terms already stand for that reflection.
            if let wedge = edge.wedge, !wedge.isExterior(edge.coordinates(parent.center).radial) { return }
            var c = candidate
            c.source = ImageSource(center: parent.center, frame: (parent.e1, parent.e2, parent.e3), edge: edge)
            // Already a path or a candidate: the same edge from (nearly) the same image.
            func same(_ s: ImageSource) -> Bool {
                s.edge.map { Self.sameLine($0, edge, tolerance: tolerance) } == true
                    && (s.center - c.source.center).length < tolerance
            }
            if !sources.contains(where: same) && !out.contains(where: { same($0.source) }) { out.append(c) }
        }
        let planes = geometry.planes(from: straight)
        for (k, edge) in context.options.edges.enumerated() {
            add(array, edge, Candidate(source: array, edge: k, parent: nil))
            for (l, s) in sources.enumerated() where s.edge == nil {
                for reading in geometry.readings(s) {
                    let line = reading.center == s.center ? edge : flatMirror(edge)
                    add(reading, line, Candidate(source: array, edge: k, parent: l + 1))
                }
            }
            for plane in planes {
                let image = ImageSource(center: plane.reflect(array.center), frame: plane.reflect(context.frame.axes))
                let mirrored = edge.reflected(point: plane.reflect, direction: plane.reflectDirection)
                add(image, mirrored, Candidate(source: array, edge: k, parent: nil, afterReflection: true))
            }
        }
        return out
    }

    /// A flat survey's mirror of `edge` (with a parent read mirrored through the survey plane, the edge goes with it
    /// so that the path lengths in the plane are unchanged).
    func flatMirror(_ edge: EdgeLine) -> EdgeLine {
        guard let z0 = context.flatHeight else { return edge }
        return edge.mirrored(z0: z0)
    }

    /// Whether two lines coincide to `tolerance` (each point within it of the other line, parallel directions).
    static func sameLine(_ a: EdgeLine, _ b: EdgeLine, tolerance: Double) -> Bool {
        abs(abs(a.direction.dot(b.direction)) - 1) < 1e-9 && a.coordinates(b.point).radial.length < tolerance
    }

    /// Whether the fit's time budget is spent (checked between candidates, as the point search does).
    var overBudget: Bool { context.options.timeBudget.map { reporter.elapsed > $0 } ?? false }

    /// The best diffracted path for `state`'s next source and its decision, or nil when none improves validation
    /// NMSE by `minimumImprovementDB` (or there are no edges). A diffracted first path leaves the array phase model
    /// spherical (its own wave is spherical from its unfolded elements under either model); the review after the
    /// search still compares both models on all paths.
    func run(_ state: FitState) -> (fit: JudgedFit, decision: ImageSourceFitter.Decision)? {
        let list = candidates(state.sources)
        guard !list.isEmpty else { return nil }
        let path = state.sources.count + 1
        reporter.report(.diffraction(path: path), sources: state.sources.count, validationDB: state.validationDB)
        // Ranked with constant gains (a gain map per candidate would cost seconds each); the winner is then judged
        // as the search judges every model (with maps once the search uses them).
        var best: (fit: JudgedFit, candidate: Candidate)? = nil
        for candidate in list where !reporter.cancelled() && !overBudget {
            let fit = judged(gainsOf: state.sources + [candidate.source], state: state, gainMaps: false)
            if best == nil || fit.validationDB < best!.fit.validationDB { best = (fit, candidate) }
        }
        guard let winner = best else { return nil }
        let candidate = winner.candidate
        var fit =
            state.gainMapsInSearch
            ? judged(gainsOf: state.sources + [candidate.source], state: state, gainMaps: true) : winner.fit
        // Around the winner, the straight paths' geometry refitted with every gain (the edge and its image fixed).
        let straight = Set(fit.sources.indices.filter { fit.sources[$0].edge == nil })
        if !straight.isEmpty && !reporter.cancelled() {
            let p = context.problem(
                wholeArea, sources: fit.sources.count, free: straight, phase: state.phaseModel, slopes: state.slopeAxes)
            let refitted = context.refit(p, fit.sources, convergence: .search)
            let j = context.judge(refitted, state.phaseModel, gainMaps: state.gainMapsInSearch)
            if j.validationDB < fit.validationDB {
                fit = JudgedFit(
                    sources: refitted, phaseModel: state.phaseModel, validationDB: j.validationDB, mapped: j.mapped,
                    phaseComparison: nil)
            }
        }
        guard fit.validationDB <= state.validationDB - context.options.minimumImprovementDB else { return nil }
        let decision = ImageSourceFitter.Decision.diffractedPath(
            path: path, edge: candidate.edge, parent: candidate.parent, afterReflection: candidate.afterReflection,
            wedge: candidate.source.edge?.wedge != nil, beforeDB: state.validationDB, afterDB: fit.validationDB)
        return (fit, decision)
    }

    /// `sources` with every gain solved on the whole-area points (geometry held), judged on validation (with gain
    /// maps too when `gainMaps`).
    func judged(gainsOf sources: [ImageSource], state: FitState, gainMaps: Bool) -> JudgedFit {
        let p = context.problem(
            wholeArea, sources: sources.count, free: [], phase: state.phaseModel, slopes: state.slopeAxes)
        let fitted = context.solveGains(p, sources)
        let j = context.judge(fitted, state.phaseModel, gainMaps: gainMaps)
        return JudgedFit(
            sources: fitted, phaseModel: state.phaseModel, validationDB: j.validationDB, mapped: j.mapped,
            phaseComparison: nil)
    }
}
