import CSIChannel
import CSINumerics
import Foundation

extension ModelTrainer {
    /// A cell this much worse than the median cell (dB) is named in the "survey more densely here" message.
    static let poorCellMarginDB = 6.0

    /// Measures the model's validation NMSE per region of the training box (`ModelQualityMap`; nuisance-invariant
    /// when the model has a nuisance), records it in the file's header and tells the user where the survey
    /// should be denser (docs/model.md, "Quality map").
    func recordQuality(in file: inout ModelFile, validation: TrainingData, log: (String) -> Void) throws {
        let model = try ModelLoader.model(of: file)
        let nuisance = file.header.trainingNuisance ?? .none
        let t = file.header.training
        let reference = validation.channels.map { $0 / validation.scale }
        let measured = QualityMeasurement.ratios(
            model: model, positions: validation.positions, reference: reference, nuisance: nuisance,
            width: options.width)
        let ratios = QualityMeasurement.netOfNoise(
            measured, reportedSNRdB: validation.reportedSNRdB,
            entries: validation.antennaCount * validation.subcarrierCount, nuisance: nuisance)
        var gross: [Bool]? = nil
        if let localize = options.localizeValidation {
            let fixes = try localize(file, validation.positions, reference)
            gross = QualityMeasurement.grossErrors(
                fixes: fixes, truth: validation.positions, frequencies: file.header.frequencies,
                flat: file.header.training.height != nil)
            log(
                String(
                    format: "train: localized the %d validation samples: %d gross errors (> λ₀/2)", fixes.count,
                    gross!.filter { $0 }.count))
        }
        guard
            let map = ModelQualityMap.build(
                positions: validation.positions, ratios: ratios, fooled: gross,
                lower: Point3(t.boundsMin[0], t.boundsMin[1], t.boundsMin[2]),
                upper: Point3(t.boundsMax[0], t.boundsMax[1], t.boundsMax[2]))
        else { return }
        file.header.quality = map
        let fooled = map.ambiguity?.filter { $0 > 0.5 }.count ?? 0
        log(
            String(
                format:
                    "train: quality map: %d × %d × %d cells of %.2f × %.2f m, ≥ %d validation samples each; median cell %.2f dB, worst %.2f dB%@; %d cells where most validation fixes are gross errors (fixes there are model-untrusted)",
                map.shape[0], map.shape[1], map.shape[2], map.cell[0], map.cell[1],
                ModelQualityMap.defaultMinimumSamples,
                decibels(map.medianNMSE), decibels(map.nmse.max() ?? .nan),
                validation.reportedSNRdB == nil ? "" : " (net of the survey's reported noise)", fooled))
        if let advice = Self.densityAdvice(map) {
            log("train: \(advice)")
            file.header.decisions.append(advice)
        }
    }

    /// "Survey more densely here": the cells (up to 3, worst first) whose NMSE is `poorCellMarginDB` above the
    /// median cell's, by their centres; nil when there are none.
    static func densityAdvice(_ map: ModelQualityMap) -> String? {
        let median = map.medianNMSE
        guard median.isFinite, median > 0 else { return nil }
        let limit = median * fromDecibels(poorCellMarginDB)
        var poor: [(index: Int, nmse: Double)] = []
        for (i, v) in map.nmse.enumerated() where v > limit { poor.append((i, v)) }
        guard !poor.isEmpty else { return nil }
        poor.sort { $0.nmse > $1.nmse }
        let nx = map.shape[0], ny = map.shape[1]
        let named = poor.prefix(3).map { p -> String in
            let c = map.center(p.index % nx, (p.index / nx) % ny, p.index / (nx * ny))
            let at =
                map.shape[2] > 1
                ? String(format: "(%.1f, %.1f, %.1f)", c.x, c.y, c.z) : String(format: "(%.1f, %.1f)", c.x, c.y)
            return String(format: "%@ m at %.1f dB", at, decibels(p.nmse))
        }
        return String(
            format:
                "survey more densely here: %d of %d cells are ≥ %.0f dB worse than the median cell (%.1f dB); worst around %@ (cells %.2f × %.2f m; csiloc eval --map draws the map)",
            poor.count, map.cellCount, poorCellMarginDB, decibels(median), named.joined(separator: ", "), map.cell[0],
            map.cell[1])
    }
}
