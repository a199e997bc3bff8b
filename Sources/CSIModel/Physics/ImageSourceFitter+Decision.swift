import CSIChannel
import CSINumerics
import Foundation
import Numerics

extension ImageSourceFitter {
    /// One thing the fit decided, with the numbers it decided on. Rendered to text (`description`) only where it
    /// is logged or written into a model file's `decisions`, which users read: the text must not change.
    enum Decision: Sendable, Equatable, CustomStringConvertible {
        /// The path search ran out of its time budget.
        case timeBudgetReached
        /// The path search stopped: the validation NMSE is below `Options.floorDB`, the data's numerical floor.
        case numericalFloor(paths: Int, validationDB: Double)
        /// The path search stopped: the validation NMSE is within `Options.noiseFloorMarginDB` of the noise floor
        /// estimated on the validation residual, and that residual looks white.
        case noiseFloor(paths: Int, validationDB: Double, floorDB: Double, whiteness: Double)
        /// The path search stopped: the survey's position labels (off by `labelErrorRMS` metres) account for so
        /// much of the validation error that no new path can gain `requiredGainDB`.
        case labelNoise(
            paths: Int, labelErrorRMS: Double, correctedDB: Double, validationDB: Double, requiredGainDB: Double)
        /// The array phase models compared on the first path (validation NMSE of each).
        case firstPathPhaseModels(sphericalDB: Double, planeWaveDB: Double)
        /// A path gained less than `Options.slowProgressDB` while gain maps explain much more: the search continues
        /// judging candidates with gain maps too.
        case slowProgress(paths: Int, validationDB: Double, lastPathGainDB: Double, withGainMapsDB: Double)
        /// No candidate improved the constant-gain model: the search continues judging candidates with gain maps too.
        case searchStalled(paths: Int, validationDB: Double, withGainMapsDB: Double)
        /// The path search stopped: none of `candidates` for path `paths + 1` improved the validation NMSE
        /// (`lastCandidateDB`: the last one tried).
        case noCandidateImproved(
            paths: Int, candidates: Int, validationDB: Double, lastCandidateDB: Double, subRegions: Int = 0)
        /// Path `path` was found only by focusing the search on a sub-region (disk of `radius` around `focus`), after
        /// no candidate from the whole survey improved.
        case subRegionPath(path: Int, focus: Point3, radius: Double)
        /// Path `path` bends around the known edge `edge` (index in `Options.edges`), from the array (`parent` nil)
        /// or from the image of path `parent` (1-based), reflected afterwards off a revealed reflector when
        /// `afterReflection`; validation NMSE before and after.
        case diffractedPath(
            path: Int, edge: Int, parent: Int?, afterReflection: Bool, wedge: Bool = false, beforeDB: Double,
            afterDB: Double)
        /// The path search stopped at `Options.maxSources`.
        case maximumPaths(Int)
        /// How many of the paths came from images predicted by the reflectors found (`ImageGeometry`).
        case predictedPaths(predicted: Int, paths: Int)
        /// Every straight path (`paths` of them) refitted jointly to full convergence after the search (whose refits
        /// stop at `Options.searchTolerance`), validation NMSE before and after; kept if better.
        case jointRefit(paths: Int, beforeDB: Double, afterDB: Double, kept: Bool)
        /// The second look at the array phase model, every path refitted under the other one.
        case phaseModelReview(
            paths: Int, current: ArrayPhaseModel, currentDB: Double, other: ArrayPhaseModel, otherDB: Double,
            switched: Bool)
        /// The array phase model the fit ended with.
        case phaseModel(ArrayPhaseModel)
        /// Gains varying linearly with position against constant gains (validation NMSE of each).
        case gainSlopes(slopedDB: Double, constantDB: Double, kept: Bool)
        /// Per-path gain maps, one validation NMSE per kernel width (smoothed across the whole area, or only inside
        /// each path's straight-edged cells, `GainSegmentation`); `kept`: the one kept, nil if none was.
        case gainMaps(widths: [GainMapWidth], kept: GainMapWidth?)
        /// An unsynchronised survey's gains pinned by the gauge convention: multiplied by `factor`.
        case gaugePinned(nuisance: NuisanceModel, factor: Complex<Double>)

        /// One kernel width tried for the gain maps and the validation NMSE it gave.
        struct GainMapWidth: Sendable, Equatable {
            /// Kernel width σ (m).
            var sigma: Double
            var validationDB: Double
            /// Smoothed only inside each path's cells (`GainSegmentation`, cells in all paths), not across them.
            var cells: Int? = nil

            var label: String {
                String(format: "σ = %.1f cm", sigma * 100) + (cells.map { ", \($0) cells" } ?? "")
            }
        }

        /// The decision as logged and recorded in model files.
        var description: String {
            switch self {
            case .timeBudgetReached:
                return "stopped adding paths: time budget"
            case let .numericalFloor(paths, db):
                return String(
                    format: "stopped at %d paths: validation NMSE %.1f dB is at the data's numerical floor", paths, db)
            case let .noiseFloor(paths, db, floorDB, whiteness):
                return String(
                    format:
                        "stopped at %d paths: validation NMSE %.2f dB is at the data's noise floor (%.2f dB; residual whiteness %.2f)",
                    paths, db, floorDB, whiteness)
            case let .labelNoise(paths, rms, correctedDB, db, requiredGainDB):
                return String(
                    format:
                        "stopped at %d paths: the survey's position labels (off by ≈ %.2f mm) account for all but %.2f dB of the validation error (%.2f dB): no new path can gain %.2f dB",
                    paths, rms * 1000, correctedDB, db, requiredGainDB)
            case let .firstPathPhaseModels(sphericalDB, planeWaveDB):
                return String(
                    format: "array phase model: spherical %.2f dB vs plane-wave %.2f dB on validation (first path)",
                    sphericalDB, planeWaveDB)
            case let .slowProgress(paths, db, lastGain, mappedDB):
                return String(
                    format:
                        "slow progress at %d paths (%.2f dB, last path %.2f dB): continuing with gain maps during the search (%.2f dB)",
                    paths, db, lastGain, mappedDB)
            case let .searchStalled(paths, db, mappedDB):
                return String(
                    format:
                        "path search stalled at %d paths (%.2f dB): continuing with gain maps during the search (%.2f dB)",
                    paths, db, mappedDB)
            case let .noCandidateImproved(paths, candidates, db, lastDB, subRegions):
                return String(
                    format:
                        "stopped at %d paths: none of %d candidates for path %d improved validation NMSE (%.2f dB; last %.2f dB)",
                    paths, candidates, paths + 1, db, lastDB)
                    + (subRegions > 0 ? ", nor those found in \(subRegions) sub-regions of the survey" : "")
            case let .subRegionPath(path, focus, radius):
                return String(
                    format:
                        "path %d found by searching the sub-region within %.2f m of (%.2f, %.2f, %.2f) (none from the whole survey improved)",
                    path, radius, focus.x, focus.y, focus.z)
            case let .diffractedPath(path, edge, parent, afterReflection, wedge, before, after):
                let from = parent.map { "the image of path \($0)" } ?? "the array"
                let then = afterReflection ? ", then reflected" : ""
                let coefficient = wedge ? ", with its wedge's coefficient" : ""
                return "path \(path): diffracted around edge \(edge + 1) from \(from)\(then)\(coefficient)"
                    + String(format: " (validation NMSE %.2f → %.2f dB)", before, after)
            case let .maximumPaths(n):
                return "stopped at the maximum of \(n) paths"
            case let .predictedPaths(predicted, paths):
                return
                    "\(predicted) of \(paths) paths came from images predicted by the reflectors found (ImageGeometry)"
            case let .jointRefit(paths, beforeDB, afterDB, kept):
                return String(
                    format: "%d straight paths refitted jointly to convergence: %.2f → %.2f dB → %@", paths, beforeDB,
                    afterDB, kept ? "kept" : "not kept")
            case let .phaseModelReview(paths, current, currentDB, other, otherDB, switched):
                return String(
                    format: "array phase model with all %d paths: %@ %.2f dB vs %@ %.2f dB → %@", paths,
                    current.rawValue, currentDB, other.rawValue, otherDB, switched ? other.rawValue : current.rawValue)
            case let .phaseModel(model):
                return "array phase model: \(model.rawValue)"
            case let .gainSlopes(slopedDB, constantDB, kept):
                return String(
                    format: "linear gain variation: %.2f dB vs %.2f dB constant → %@", slopedDB, constantDB,
                    kept ? "kept" : "not kept")
            case let .gainMaps(widths, kept):
                let results = widths.map { $0.label + String(format: ": %.2f dB", $0.validationDB) }
                return "per-path gain maps (validation NMSE): " + results.joined(separator: ", ")
                    + (kept.map { " → kept " + $0.label } ?? " → not kept")
            case let .gaugePinned(nuisance, c):
                return String(
                    format: "unsynchronised survey (%@): gains pinned to the survey's mean frame gain (×%.3g, %.1f°)",
                    nuisance.rawValue, c.length, c.phase * 180 / .pi)
            }
        }
    }
}

extension ImageSourceFitter.Progress {
    /// The stage the fit is in, for progress lines.
    enum Event: Sendable, Equatable, CustomStringConvertible {
        /// Back-projecting the residual to find candidates for path `path` (1-based).
        case backProjection(path: Int)
        /// Refining back-projection candidate `candidate` (1-based) for path `path` by the coherent search.
        case coherentSearch(path: Int, candidate: Int)
        /// Fitting a candidate for path `path` within `radius` metres of the survey centre (nil: the whole area).
        case continuation(path: Int, radius: Double?)
        /// Trying paths around the known edges for path `path`.
        case diffraction(path: Int)
        /// Every straight path refitted jointly to full convergence.
        case jointRefit
        /// The second look at the array phase model, with all paths in place.
        case phaseModelReview
        /// Trying gains that vary linearly with position.
        case gainSlopes
        /// Trying per-path gain maps.
        case gainMaps

        /// The stage as shown in progress lines.
        var description: String {
            switch self {
            case let .backProjection(path): return "path \(path): back-projection"
            case let .coherentSearch(path, candidate): return "path \(path): coherent search (candidate \(candidate))"
            case let .continuation(path, radius):
                return "path \(path): fit within \(radius.map { String(format: "%.1f m", $0) } ?? "whole area")"
            case let .diffraction(path): return "path \(path): around the known edges"
            case .jointRefit: return "joint refit"
            case .phaseModelReview: return "array phase model"
            case .gainSlopes: return "gain slopes"
            case .gainMaps: return "gain maps"
            }
        }
    }
}
