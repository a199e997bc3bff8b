import CSIChannel

/// Paths around the scene's known edges (docs/model.md, "Diffracted paths"): before each new point source, the path
/// search tries a diffracted path around every edge of `Options.edges` — from the array itself, from the image of
/// each straight path found so far (reflect, then diffract), and around the edge's mirror in the plane of each
/// single reflection found (diffract, then reflect) — ranks them by a fit of every gain with the geometry
/// held, refits the best with the straight paths' geometry free, and keeps it if validation NMSE improves by
/// `minimumImprovementDB`. Point sources cannot represent such a path: its wavefront is a cylinder about the edge,
/// not a sphere about an image of the array (`EdgeLine`).
struct DiffractionSearch {
    let context: FitContext
    let reporter: FitReporter
    let wholeArea: [Int]

    /// A diffracted path to try: the source (gain zero), its edge's index, its parent path (1-based; nil: the
    /// array) and the path whose reflecting plane mirrors the edge (1-based; nil: the edge itself).
    struct Candidate {
        var source: ImageSource
        var edge: Int
        var parent: Int?
        var reflectedBy: Int? = nil
    }

    /// Every candidate not yet among `sources`: each edge from the array and from each straight path's image, and
    /// each edge mirrored in the plane of each single reflection (an image array whose frame is mirrored: the
    /// plane bisects the array's centre and the image's) from the array.
    func candidates(_ sources: [ImageSource]) -> [Candidate] {
        let array = ImageSource(center: context.frame.center, frame: context.frame.axes)
        let straight = sources.indices.filter { sources[$0].edge == nil }
        var out: [Candidate] = []
        func add(_ parent: ImageSource, _ edge: EdgeLine, _ candidate: Candidate) {
            var c = candidate
            c.source = ImageSource(center: parent.center, frame: (parent.e1, parent.e2, parent.e3), edge: edge)
            // Already a path: the same edge from (nearly) the same image.
            let known = sources.contains {
                $0.edge.map { Self.sameLine($0, edge, tolerance: context.wavelength) } == true
                    && ($0.center - c.source.center).length < context.wavelength
            }
            if !known { out.append(c) }
        }
        let handedness = Self.handedness(array)
        for (k, edge) in context.options.edges.enumerated() {
            add(array, edge, Candidate(source: array, edge: k, parent: nil))
            for l in straight { add(sources[l], edge, Candidate(source: array, edge: k, parent: l + 1)) }
            for l in straight where Self.handedness(sources[l]) * handedness < 0 {
                let normal = (sources[l].center - array.center).normalized
                guard normal.length > 0 else { continue }
                let middle = (sources[l].center + array.center) / 2
                let mirrored = EdgeLine(
                    point: edge.point - normal * (2 * (edge.point - middle).dot(normal)),
                    direction: edge.direction - normal * (2 * edge.direction.dot(normal)))
                add(array, mirrored, Candidate(source: array, edge: k, parent: nil, reflectedBy: l + 1))
            }
        }
        return out
    }

    /// The sign of a frame's orientation (negative: mirrored by an odd number of reflections).
    static func handedness(_ s: ImageSource) -> Double { s.e1.dot(s.e2.cross(s.e3)) }

    /// Whether two lines coincide to `tolerance` (each point within it of the other line, parallel directions).
    static func sameLine(_ a: EdgeLine, _ b: EdgeLine, tolerance: Double) -> Bool {
        abs(abs(a.direction.dot(b.direction)) - 1) < 1e-9 && a.coordinates(b.point).radial.length < tolerance
    }

    /// The best diffracted path for `state`'s next source and its decision, or nil when none improves validation
    /// NMSE by `minimumImprovementDB` (or there are no edges).
    func run(_ state: FitState) -> (fit: JudgedFit, decision: ImageSourceFitter.Decision)? {
        let list = candidates(state.sources)
        guard !list.isEmpty else { return nil }
        let path = state.sources.count + 1
        reporter.report(.diffraction(path: path), sources: state.sources.count, validationDB: state.validationDB)
        // Ranked with constant gains (a gain map per candidate would cost seconds each); the winner is then judged
        // as the search judges every model (with maps once the search uses them).
        var best: (fit: JudgedFit, candidate: Candidate)? = nil
        for candidate in list where !reporter.cancelled() {
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
            let refitted = context.refit(p, fit.sources)
            let j = context.judge(refitted, state.phaseModel, gainMaps: state.gainMapsInSearch)
            if j.validationDB < fit.validationDB {
                fit = JudgedFit(
                    sources: refitted, phaseModel: state.phaseModel, validationDB: j.validationDB, mapped: j.mapped,
                    phaseComparison: nil)
            }
        }
        guard fit.validationDB <= state.validationDB - context.options.minimumImprovementDB else { return nil }
        let decision = ImageSourceFitter.Decision.diffractedPath(
            path: path, edge: candidate.edge, parent: candidate.parent, reflectedBy: candidate.reflectedBy,
            beforeDB: state.validationDB, afterDB: fit.validationDB)
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
