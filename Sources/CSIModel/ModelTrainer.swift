public import CSIChannel
import CSINumerics
import Foundation

/// Trains a location-to-channel model of any kind from a dataset and produces a model file: the one entry
/// point behind `csiloc train` and the demo.
public struct ModelTrainer: Sendable {
    /// Which model to build.
    public enum Kind: String, Sendable, CaseIterable {
        /// The image-source fit, then a neural network on its residual when that improves validation NMSE.
        case auto
        /// The image-source fit alone.
        case physics
        /// The model-based INR alone (as published).
        case inr
        /// The image-source fit plus a neural network on its residual, kept regardless of validation.
        case hybrid
        /// Baseline: plain MLP.
        case mlp
        /// Baseline: random-Fourier-feature MLP.
        case rff
    }

    /// Where the MB-INR alone (`inr`) takes its starting point.
    public enum INRStart: String, Sendable, CaseIterable {
        /// Fit the image-source model first and warm-start the network from its paths (delays, directions,
        /// amplitudes); the network is then trained on the full channels and is the whole model.
        case fit
        /// The delay/direction pre-fit from the data alone (as published; stalls near −10 dB, docs/model-neural.md).
        case data
    }

    /// Model size presets: the networks' (one enum for `csiloc train --preset` and `csiloc bench inr --preset`).
    public typealias Preset = NeuralPreset

    /// Settings of one training run.
    public struct Options: Sendable {
        /// Which model to train (`auto`: the image-source fit, then a residual network when it improves validation).
        public var kind: Kind = .auto
        /// Size of the networks.
        public var preset: Preset = .reference
        /// Overall time budget (nil: none).
        public var minutes: Double? = nil
        /// Cap on the network's training epochs (nil: the preset's). With a cap and no `minutes`, training is
        /// deterministic whatever the machine's speed.
        var maxEpochs: Int? = nil
        /// Fraction (0…1) of the samples held out for validation.
        public var validationFraction = 0.1
        /// Seed of every random draw of training (same data and seed: same model).
        public var seed: UInt64 = 1
        /// Upper bound on the number of image-source paths.
        public var maxPaths = 40
        /// Name of the scene coordinate frame recorded in the model.
        public var frame = "scene"
        /// Threads used (default: the active CPUs).
        public var width = Parallel.defaultWidth
        /// How `inr` starts: from an image-source fit's paths (default) or from the data alone.
        public var inrStart: INRStart = .fit
        /// Work of the `inr` warm start: samples visited while fitting the branches to the fit's paths.
        var inrWarmStartSampleVisits = 250_000
        /// Per-frame unknowns of the survey (docs/model.md, "Unsynchronised surveys"); nil = what the dataset
        /// declares (`CSIDataset.declaredNuisance`), else detect them from the data (`NuisanceDetector`).
        public var nuisance: NuisanceModel? = nil
        /// Edges of the scene the physics fit may bend paths around (`ImageSourceFitter.Options.edges`).
        public var edges: [EdgeLine] = []
        /// Localizes the validation samples (`positions`, measured `channels` in raw units, 2·Na·Ns Doubles each)
        /// with the finished model file and returns the fixes; their gross errors per region become the quality
        /// map's `ambiguity` (docs/model.md, "Quality map"). Set by `csiloc train` (the localizer is not part of
        /// this module); nil = no ambiguity recorded.
        public var localizeValidation:
            (@Sendable (_ file: ModelFile, _ positions: [Point3], _ channels: [Double]) throws -> [Point3])? = nil
        /// Creates the defaults documented on each property.
        public init() {}
    }

    /// The settings `train` uses.
    public var options: Options
    /// Creates a trainer with `options`.
    public init(options: Options = Options()) { self.options = options }

    /// Trains on `dataset`. `log` receives progress lines; `cancelled` is polled between steps (the best model
    /// so far is returned); `checkpoint` receives intermediate model files.
    public func train(
        dataset: CSIDataset, log: @escaping (String) -> Void = { _ in },
        cancelled: @escaping @Sendable () -> Bool = { false },
        checkpoint: (ModelFile) -> Void = { _ in }
    ) throws -> ModelFile {
        let start = Date()
        guard dataset.count >= 20 else { throw TrainingError.tooFewSamples(dataset.count) }
        let split = TrainingData.split(
            count: dataset.count, validationFraction: options.validationFraction, seed: options.seed)
        let train = TrainingData(dataset: dataset, indices: split.train)
        let validation = TrainingData(dataset: dataset, indices: split.validation, scale: train.scale)
        let lambda = speedOfLight / dataset.carrier
        let info0 = ModelHeader.TrainingInfo(dataset: dataset, seed: options.seed, seconds: 0)
        log(
            String(
                format:
                    "train: %d samples (%d train, %d validation), %d antennas × %d subcarriers, %.2f samples/λ² (λ = %.2f cm)",
                dataset.count, train.count, validation.count, dataset.antennaCount, dataset.subcarrierCount,
                info0.densityPerLambda2, lambda * 100))
        let nuisance = resolveNuisance(dataset, log: log)
        let flat = Self.flatSurveyNote(dataset)
        if let flat { log("train: WARNING: \(flat)") }
        var file = try trainModel(
            dataset: dataset, train: train, validation: validation, nuisance: nuisance, start: start,
            log: log, cancelled: cancelled, checkpoint: checkpoint)
        if let flat { file.header.decisions.append(flat) }
        try recordQuality(in: &file, validation: validation, log: log)
        return file
    }

    /// A survey on one horizontal plane cannot tell a source from its mirror image through that plane: both give
    /// the same channels at every surveyed point. Returns what to tell the user, nil when the survey spans heights
    /// (more than λ/4).
    static func flatSurveyNote(_ dataset: CSIDataset) -> String? {
        guard let z0 = dataset.positions.first?.z else { return nil }
        var lo = z0, hi = z0
        for p in dataset.positions { lo = min(lo, p.z); hi = max(hi, p.z) }
        let lambda = speedOfLight / dataset.carrier
        guard hi - lo <= lambda / 4 else { return nil }
        return String(
            format:
                "flat survey (every position at z = %.3f m%@): each fitted source could equally be its mirror image through that plane, so the model is exact on the plane only; off it (UEs at other heights) its predictions are not checked by validation and searches stay on the plane. Survey over the heights your UEs will have for a 3-D model (docs/model.md, \"UEs at any height\").",
            (lo + hi) / 2, hi > lo ? String(format: " ± %.1f mm", (hi - lo) / 2 * 1000) : "")
    }

    /// The training proper (see `train`).
    private func trainModel(
        dataset: CSIDataset, train: TrainingData, validation: TrainingData, nuisance: NuisanceModel,
        start: Date, log: @escaping (String) -> Void, cancelled: @escaping @Sendable () -> Bool,
        checkpoint: (ModelFile) -> Void
    ) throws -> ModelFile {
        switch options.kind {
        case .physics, .auto, .hybrid:
            let result = withoutActuallyEscaping(checkpoint) { checkpoint in
                fitPhysics(
                    train: train, validation: validation, dataset: dataset, nuisance: nuisance,
                    share: options.kind == .physics ? 0.9 : 0.5, log: log, cancelled: cancelled,
                    checkpoint: checkpoint, start: start)
            }
            // A coherent survey that the physics explains badly may still be learnt by the network (checked on the
            // final file below); an unsynchronised one cannot even be aligned then.
            if options.kind == .physics || nuisance != .none { try checkExplains(result, nuisance: nuisance) }
            var decisions = result.decisions
            // The survey as the fit would have produced it (each frame's nuisance removed), and its noise floor.
            let (t, v) = (
                train.aligned(to: result.model, outputScale: train.scale, nuisance: nuisance, width: options.width),
                validation.aligned(to: result.model, outputScale: train.scale, nuisance: nuisance, width: options.width)
            )
            let floor = ResidualNoiseFloor.estimate(
                data: v.channels, predicted: result.model.channels(at: v.positions).map { $0 * train.scale },
                antennas: v.antennaCount, subcarriers: v.subcarrierCount)
            let atFloor = floor.whiteness > 0.8 && result.validationNMSEDB <= floor.floorDB + 1
            log(
                String(
                    format: "train: validation NMSE %.2f dB; %@%@", result.validationNMSEDB, floor.description,
                    atFloor ? " — the fit is at the data's floor: what remains is measurement noise" : ""))
            // What the survey's position labels account for (their error is no model's to learn).
            let labels = LabelNoise.estimate(
                model: result.model, positions: v.positions, data: v.channels.map { $0 / train.scale },
                dimensions: dataset.positions.allSatisfy { $0.z == dataset.positions[0].z } ? 2 : 3)
            // Labels account for ≥ 3/4 of the validation error: the network's target would be mostly label error.
            let labelBound = labels.correctedNMSEDB < result.validationNMSEDB - 6
            log("train: labels: \(labels)" + (labelBound ? " — the remaining validation error is the labels'" : ""))
            if options.kind != .physics && !cancelled() {
                if options.kind == .auto && (atFloor || labelBound) {
                    let decision =
                        atFloor
                        ? String(
                            format:
                                "neural residual: skipped, the physics fit (%.2f dB) is within 1 dB of the data's noise floor (%.2f dB)",
                            result.validationNMSEDB, floor.floorDB)
                        : String(
                            format:
                                "neural residual: skipped, with each validation position corrected the physics fit reaches %.2f dB (as measured %.2f dB): survey positions off by ≈ %.2f mm, which no model can learn",
                            labels.correctedNMSEDB, result.validationNMSEDB, labels.rms * 1000)
                    log("train: decision: \(decision)")
                    var file = try makeFile(
                        physics: result.model, dataset: dataset, validation: validation, nuisance: nuisance,
                        decisions: decisions + [decision], start: start)
                    file.header.validation.noiseFloorDB = floor.floorDB
                    return file
                }
                // The network learns the residual of the survey as the fit would have produced it.
                let neural = try NeuralStage.residual(
                    after: result, train: t, validation: v, dataset: dataset,
                    trainer: self, log: log, cancelled: cancelled, start: start)
                if var file = neural.file {
                    try record(nuisance, in: &file, validation: validation)
                    file.header.validation.noiseFloorDB = floor.floorDB
                    return file
                }
                decisions.append(neural.decision)
            }
            if options.kind != .physics && nuisance == .none { try checkExplains(result, nuisance: nuisance) }
            var file = try makeFile(
                physics: result.model, dataset: dataset, validation: validation, nuisance: nuisance,
                decisions: decisions, start: start)
            file.header.validation.noiseFloorDB = floor.floorDB
            return file
        case .inr:
            var fit: ImageSourceFitter.Result? = nil
            if options.inrStart == .fit {
                log(
                    "train: inr — image-source fit first, to warm-start the network from its paths (--inr-start data skips it)"
                )
                fit = fitPhysics(
                    train: train, validation: validation, dataset: dataset, nuisance: nuisance, share: 0.3, log: log,
                    cancelled: cancelled, checkpoint: nil, start: start)
            }
            // From a fit, the network learns the survey aligned to it; from the data alone there is nothing to align
            // to, so the network itself is fitted by variable projection (each frame's unknowns removed in its loss).
            var (t, v) = (train, validation)
            if let fit, nuisance != .none {
                try checkExplains(fit, nuisance: nuisance)
                t = train.aligned(to: fit.model, outputScale: train.scale, nuisance: nuisance, width: options.width)
                v = validation.aligned(
                    to: fit.model, outputScale: train.scale, nuisance: nuisance, width: options.width)
            }
            var file = try NeuralStage.alone(
                kind: .inr, train: t, validation: v, dataset: dataset, trainer: self,
                warmStart: fit, nuisance: fit == nil ? nuisance : .none, log: log,
                cancelled: cancelled, start: start)
            try record(nuisance, in: &file, validation: validation)
            return file
        case .mlp, .rff:
            // On an unsynchronised survey the network is fitted by variable projection (docs/model-neural.md).
            var file = try NeuralStage.alone(
                kind: options.kind, train: train, validation: validation, dataset: dataset,
                trainer: self, warmStart: nil, nuisance: nuisance, log: log,
                cancelled: cancelled, start: start)
            try record(nuisance, in: &file, validation: validation)
            return file
        }
    }

    /// The image-source fit with progress lines, within `share` of the time budget; `checkpoint` (if any)
    /// receives a physics model file each time a path is accepted.
    func fitPhysics(
        train: TrainingData, validation: TrainingData, dataset: CSIDataset, nuisance: NuisanceModel, share: Double,
        log: @escaping (String) -> Void, cancelled: @escaping @Sendable () -> Bool,
        checkpoint: ((ModelFile) -> Void)?, start: Date
    ) -> ImageSourceFitter.Result {
        var fitOptions = ImageSourceFitter.Options()
        fitOptions.maxSources = options.maxPaths
        fitOptions.seed = options.seed
        fitOptions.width = options.width
        fitOptions.nuisance = nuisance
        fitOptions.edges = options.edges
        if let m = options.minutes { fitOptions.timeBudget = m * 60 * share }
        var lastLine = Date.distantPast
        let result = ImageSourceFitter(options: fitOptions).fit(
            train: train, validation: validation,
            progress: { p in
                if Date().timeIntervalSince(lastLine) > 2 {
                    lastLine = Date()
                    log(
                        String(
                            format: "train: physics — %@; %d paths; validation NMSE %@; %.0f s", p.stage, p.sources,
                            p.validationNMSEDB.map { String(format: "%.2f dB", $0) } ?? "–", p.elapsed))
                }
            },
            cancelled: cancelled,
            checkpoint: { model, db in
                log(
                    String(
                        format: "train: physics — accepted path %d, validation NMSE %.2f dB, %.0f s",
                        model.sources.count, db,
                        Date().timeIntervalSince(start)))
                if let checkpoint,
                    let file = try? makeFile(
                        physics: model, dataset: dataset, validation: validation, nuisance: nuisance,
                        decisions: [], start: start)
                {
                    checkpoint(file)
                }
            })
        for d in result.decisions { log("train: decision: \(d)") }
        return result
    }

    /// The per-frame unknowns to train with: the option, else the dataset's declaration, else what the survey shows
    /// (docs/model.md, "Unsynchronised surveys"); logged with the evidence. A declaration is followed even when the
    /// detector (cheap: one pass over the survey's closest point pairs) sees more unknowns than declared, but that
    /// is logged as a warning.
    func resolveNuisance(_ dataset: CSIDataset, log: (String) -> Void) -> NuisanceModel {
        Self.resolveNuisance(dataset, given: options.nuisance, log: log)
    }

    /// The survey's per-frame unknowns: `given`, else what the dataset declares, else what `NuisanceDetector`
    /// finds; each choice is logged with its reason.
    public static func resolveNuisance(
        _ dataset: CSIDataset, given: NuisanceModel?, log: (String) -> Void
    ) -> NuisanceModel {
        if let n = given {
            log("train: nuisance: \(n.rawValue) (given)")
            return n
        }
        let finding = NuisanceDetector().detect(dataset)
        guard let declared = dataset.declaredNuisance else {
            log("train: nuisance: auto → \(finding)")
            return finding.nuisance
        }
        log("train: nuisance: \(declared.rawValue) (declared by the dataset)")
        if finding.decided && finding.nuisance.exceeds(declared) {
            log(
                "train: WARNING: the dataset declares nuisance \(declared.rawValue), but the survey shows \(finding); following the declaration (train with --nuisance \(finding.nuisance.rawValue) if the declaration is wrong)"
            )
        } else {
            log("train: nuisance: the survey shows \(finding)")
        }
        return declared
    }

    /// A fit that explains (almost) nothing is an error with advice, not a silent 0 dB model file.
    func checkExplains(_ fit: ImageSourceFitter.Result, nuisance: NuisanceModel) throws {
        guard fit.model.sources.isEmpty || fit.validationNMSEDB > -1 else { return }
        throw TrainingError.explainsNothing(
            validationDB: fit.validationNMSEDB, paths: fit.model.sources.count,
            nuisance: nuisance, decisions: fit.decisions)
    }

    /// Records the survey's nuisance in a model file and measures its validation NMSE with it (on the survey as
    /// recorded, each sample after its own best gain, phase and timing offset).
    func record(_ nuisance: NuisanceModel, in file: inout ModelFile, validation: TrainingData) throws {
        guard nuisance != .none else { return }
        file.header.nuisance = nuisance.rawValue
        let loaded = try ModelLoader.model(of: file)
        let err = ChannelError.measure(
            loaded, positions: validation.positions,
            reference: validation.channels.map { $0 / validation.scale }, nuisance: nuisance,
            width: options.width)
        file.header.validation = .init(points: validation.count, nmseDB: err.nmseDB, nmseSumDB: err.nmseSumDB)
    }

    func makeFile(
        physics model: ImageSourceModel, dataset: CSIDataset, validation: TrainingData, nuisance: NuisanceModel = .none,
        decisions: [String], start: Date
    ) throws -> ModelFile {
        let err = ChannelError.measure(
            model, positions: validation.positions,
            reference: validation.channels.map { $0 / validation.scale }, nuisance: nuisance,
            width: options.width)
        let header = ModelHeader(
            kind: "physics", toolVersion: csilocVersion, created: iso8601Now(), frame: options.frame,
            antennas: dataset.antennas.map { [$0.x, $0.y, $0.z] }, frequencies: dataset.frequencies,
            carrier: dataset.carrier,
            scale: model.scale,
            training: .init(dataset: dataset, seed: options.seed, seconds: Date().timeIntervalSince(start)),
            validation: .init(points: validation.count, nmseDB: err.nmseDB, nmseSumDB: err.nmseSumDB),
            decisions: decisions, physics: model.physicsInfo, neural: nil,
            nuisance: nuisance == .none ? nil : nuisance.rawValue)
        return ModelFile(header: header, tensors: model.tensors)
    }
}

/// The version recorded in model files.
public let csilocVersion = "0.1.0"

/// Why training could not run.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    case tooFewSamples(Int)
    case unavailable(String)
    case explainsNothing(validationDB: Double, paths: Int, nuisance: NuisanceModel, decisions: [String])
    /// One line naming the reason.
    public var description: String {
        switch self {
        case .tooFewSamples(let n): return "the dataset has \(n) samples; training needs at least 20"
        case .unavailable(let k): return "model kind '\(k)' is not available in this build"
        case .explainsNothing(let db, let paths, let n, let decisions):
            let advice =
                n == .none
                ? "if the receiver does not keep phase and timing from frame to frame, train with --nuisance phase-gain-timing (or phase-gain)"
                : "check that positions and channels belong together (same order, same frame) and that the survey covers more than a few wavelengths"
            return String(
                format:
                    "the fit explains nothing: %d paths, validation NMSE %.2f dB (nuisance %@); no model written. %@. Fit decisions: %@",
                paths, db, n.rawValue, advice, decisions.joined(separator: "; "))
        }
    }
}
