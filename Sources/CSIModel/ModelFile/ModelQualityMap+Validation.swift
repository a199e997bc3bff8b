import CSIChannel

extension ModelQualityMap {
    /// Largest per-cell NMSE a file may record (linear; 60 dB — a model far worse than predicting zero).
    static let maxNMSE = 1e6
    /// Largest log-spread a file may record (a factor e^50 between samples).
    static let maxLogSpread = 50.0

    /// Checks a map read from a file as hostile input: sizes bounded with overflow-checked arithmetic, every value
    /// finite and in range, the grid covering exactly the training box (`training`) — before a localizer indexes it.
    func validate(training t: ModelHeader.TrainingInfo, validationPoints: Int, path: String) throws {
        func fail(_ message: String) -> ModelFileError { ModelFileError(file: path, "header 'quality': \(message)") }
        guard lower.count == 3, cell.count == 3, shape.count == 3 else {
            throw fail(
                "lower, cell and shape must have 3 entries each, got \(lower.count), \(cell.count), \(shape.count)")
        }
        guard lower.allSatisfy({ $0.isFinite && abs($0) <= ModelFileLimits.maxCoordinate }) else {
            throw fail("lower must be finite coordinates within ±\(ModelFileLimits.maxCoordinate) m, got \(lower)")
        }
        guard cell.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 2 * ModelFileLimits.maxCoordinate }) else {
            throw fail("cell sizes must be finite and in (0, \(2 * ModelFileLimits.maxCoordinate)] m, got \(cell)")
        }
        var cells = 1
        for n in shape {
            guard (1...Self.maxCells).contains(n) else {
                throw fail("cells per axis must be in 1...\(Self.maxCells), got \(shape)")
            }
            let (m, overflow) = cells.multipliedReportingOverflow(by: n)
            guard !overflow, m <= Self.maxCells else { throw fail("\(shape) is more than \(Self.maxCells) cells") }
            cells = m
        }
        guard nmse.count == cells, logSpread.count == cells, (ambiguity?.count ?? cells) == cells,
            samples.count == cells
        else {
            throw fail(
                "nmse, logSpread, ambiguity and samples must have one entry per cell (\(cells)), got \(nmse.count), \(logSpread.count), \(ambiguity?.count ?? cells), \(samples.count)"
            )
        }
        if let a = ambiguity, let i = a.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= 1) }) {
            throw fail("ambiguity[\(i)] = \(a[i]) is not a fraction in [0, 1]")
        }
        if let i = nmse.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= Self.maxNMSE) }) {
            throw fail("nmse[\(i)] = \(nmse[i]) is not a finite number in [0, \(Self.maxNMSE)]")
        }
        if let i = logSpread.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= Self.maxLogSpread) }) {
            throw fail("logSpread[\(i)] = \(logSpread[i]) is not a finite number in [0, \(Self.maxLogSpread)]")
        }
        let most = max(validationPoints, 0)
        if let i = samples.firstIndex(where: { !(1...max(1, most)).contains($0) }) {
            throw fail("samples[\(i)] = \(samples[i]) is not in 1...\(most) (the validation points)")
        }
        // The grid spans the training box: its lower corner is the box's, its upper corner the box's on every axis
        // the box spans (one cell on an axis it does not).
        for a in 0..<3 {
            let lo = t.boundsMin[a], hi = t.boundsMax[a]
            let tolerance = 1e-6 * max(1, abs(lo), abs(hi))
            let top = lower[a] + Double(shape[a]) * cell[a]
            let spans = hi - lo > 1e-9
            guard abs(lower[a] - lo) <= tolerance, spans ? abs(top - hi) <= tolerance : shape[a] == 1 else {
                throw fail(
                    "axis \(["x", "y", "z"][a]): the grid \(lower[a])…\(top) m (\(shape[a]) cells) does not match the training box \(lo)…\(hi) m"
                )
            }
        }
    }
}
