import CSIChannel
import CSINumerics
import Foundation

/// Tells from a survey alone which per-frame unknowns its receiver left in the channels (docs/model.md,
/// "Unsynchronised surveys"): pairs of survey points much closer than a wavelength must have nearly the same
/// channel. Over such pairs it compares the median mismatch as recorded, after the best common phase, and after
/// the best common phase and timing offset. A random common phase makes the first about 1 while the second stays
/// small; a random timing offset does the same to the second against the third.
struct NuisanceDetector: Sendable {
    /// What was found and why.
    struct Finding: Sendable, CustomStringConvertible {
        var nuisance: NuisanceModel
        /// Whether the survey had enough close pairs to decide.
        var decided: Bool
        var pairs: Int
        /// Pair separation limit used, m.
        var separation: Double
        /// Median mismatch of close pairs: as recorded, after a common phase, after phase and timing (0 = equal
        /// channels, 1 = uncorrelated), and the median gain difference, dB.
        var coherent: Double, phaseFree: Double, timingFree: Double, gainDB: Double
        var description: String {
            guard decided else {
                return String(
                    format:
                        "%@ — only %d point pairs closer than %.1f cm, too few to tell; set --nuisance if the receiver is not phase-synchronised",
                    nuisance.rawValue, pairs, separation * 100)
            }
            return String(
                format:
                    "%@ — %d point pairs closer than %.1f cm differ by %.2f as recorded, %.2f after a common phase, %.2f after phase and timing (median; 0 = equal, 1 = uncorrelated); gain difference %.2f dB",
                nuisance.rawValue, pairs, separation * 100, coherent, phaseFree, timingFree, gainDB)
        }
    }

    /// Pairs needed to decide.
    var minimumPairs = 12
    init() {}

    func detect(_ data: CSIDataset) -> Finding {
        let lambda = speedOfLight / data.carrier
        // The closest pairs tell best (the field itself changes least between them): λ/8 if there are enough,
        // else λ/4, else λ/2.
        var separation = lambda / 8
        var used = closePairs(data.positions, limit: separation)
        while used.count < minimumPairs && separation < lambda / 2 {
            separation *= 2
            used = closePairs(data.positions, limit: separation)
        }
        var finding = Finding(
            nuisance: .none, decided: used.count >= minimumPairs, pairs: used.count, separation: separation,
            coherent: .nan, phaseFree: .nan, timingFree: .nan, gainDB: .nan)
        guard finding.decided else { return finding }
        let na = data.antennaCount, ns = data.subcarrierCount, stride = data.valuesPerSample
        let f = data.frequencies
        var match = NuisanceMatch(
            frequencies: f, antennas: na, reference: f.reduce(0, +) / Double(max(ns, 1)),
            nuisance: .phaseGainAndTiming)
        var coherent: [Double] = [], phaseFree: [Double] = [], timingFree: [Double] = [], gain: [Double] = []
        var a = [Double](repeating: 0, count: stride), b = a
        for (i, j) in used {
            for t in 0..<stride { a[t] = Double(data.csi[i * stride + t]); b[t] = Double(data.csi[j * stride + t]) }
            var ea = 0.0, eb = 0.0, dd = 0.0, cr = 0.0, ci = 0.0
            for t in Swift.stride(from: 0, to: stride, by: 2) {
                ea += a[t] * a[t] + a[t + 1] * a[t + 1]; eb += b[t] * b[t] + b[t + 1] * b[t + 1]
                let dr = a[t] - b[t], di = a[t + 1] - b[t + 1]
                dd += dr * dr + di * di
                cr += b[t] * a[t] + b[t + 1] * a[t + 1]; ci += b[t] * a[t + 1] - b[t + 1] * a[t]
            }
            guard ea > 0, eb > 0 else { continue }
            let sum = ea + eb
            coherent.append(dd / sum)
            phaseFree.append(1 - 2 * (cr * cr + ci * ci).squareRoot() / sum)
            // max_τ |S(τ)|² = ‖a‖² − min_{α,τ} ‖a − α D(τ) b‖² · … : from the matcher's cost with b as the model.
            a.withUnsafeBufferPointer { match.load($0) }
            let cost = b.withUnsafeBufferPointer { match.evaluate($0.baseAddress!).cost }
            let best = ((ea - cost) * eb).squareRoot() // |S(τ*)|
            timingFree.append(1 - 2 * best / sum)
            gain.append(abs(decibels(ea / eb)))
        }
        func median(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.sorted()[v.count / 2] }
        finding.coherent = median(coherent); finding.phaseFree = median(phaseFree)
        finding.timingFree = median(timingFree); finding.gainDB = median(gain)
        // A random common phase leaves close channels as good as uncorrelated (≈ 1), far above what the field's own
        // change over a pair's separation gives (≲ 0.3 at λ/4), and removing it takes most of the mismatch away.
        // A timing offset is declared when removing it takes away more than 0.1 and two thirds of what is left after
        // the common phase (the field's own change, at λ/4, is a few hundredths). A gain spread alone (> 0.5 dB
        // between pairs closer than λ/8, where path loss and fading change by a few hundredths of a dB) counts too.
        let phase = finding.coherent > 0.5 && finding.coherent > 2.5 * finding.phaseFree
        let timing = finding.phaseFree > 0.1 && finding.phaseFree > 3 * finding.timingFree
        let gainSpread = separation <= lambda / 8 && finding.gainDB > 0.5
        if timing {
            finding.nuisance = .phaseGainAndTiming
        } else if phase || gainSpread {
            finding.nuisance = .phaseAndGain
        }
        return finding
    }

    /// Index pairs (i < j) closer than `limit`, each point paired with its nearest such neighbour only.
    func closePairs(_ positions: [Point3], limit: Double) -> [(Int, Int)] {
        guard limit > 0, positions.count > 1 else { return [] }
        func cell(_ p: Point3) -> SIMD3<Int> {
            SIMD3(
                Int((p.x / limit).rounded(.down)), Int((p.y / limit).rounded(.down)), Int((p.z / limit).rounded(.down)))
        }
        var grid: [SIMD3<Int>: [Int]] = [:]
        for (i, p) in positions.enumerated() where p.x.isFinite && p.y.isFinite && p.z.isFinite {
            grid[cell(p), default: []].append(i)
        }
        var seen = Set<Int64>()
        var out: [(Int, Int)] = []
        for (i, p) in positions.enumerated() where p.x.isFinite && p.y.isFinite && p.z.isFinite {
            let c = cell(p)
            var best = -1, bestDistance = limit
            for dz in -1...1 {
                for dy in -1...1 {
                    for dx in -1...1 {
                        for j in grid[c &+ SIMD3(dx, dy, dz)] ?? [] where j != i {
                            let d = (positions[j] - p).length
                            if d < bestDistance { bestDistance = d; best = j }
                        }
                    }
                }
            }
            guard best >= 0 else { continue }
            let key = Int64(min(i, best)) << 32 | Int64(max(i, best))
            if seen.insert(key).inserted { out.append((min(i, best), max(i, best))) }
        }
        return out
    }
}
