public import CSIChannel
import CSINumerics
import Foundation
import Numerics

/// The neural stages of `ModelTrainer`: the MB-INR on the residual of the image-source fit (default and
/// `hybrid`), or a network alone (`inr`, `mlp`, `rff`).
enum NeuralStage {
    /// Below this validation NMSE the physics fit leaves nothing a network could learn at survey density.
    static let physicsGoodEnoughDB = -40.0
    /// Adam steps per epoch the residual network gets at least (`TrainingOptions.minimumStepsPerEpoch`): on a dense
    /// 2 m × 2 m NLoS survey (2 970 samples) batches of 512 gave 6 steps per epoch and +4.3 dB over the physics fit
    /// for both seeds tried; smaller batches reached +5.4 to +10.3 dB but one run stalled (seed 2, batch 64) until the
    /// geometry was slowed (`residualGeometryStepScale`); with it, 32 steps (batches of 93) gave +5.7 dB (seed 2) and
    /// +5.9 dB (seed 1, end to end) — docs/model-neural.md, "Residual network". Surveys of ≥ 16 384 samples keep the
    /// preset's batch of 512.
    static let residualStepsPerEpoch = 32
    /// Step scale of the residual network's delay and direction branches (`TrainingOptions.slowStepScale`), after
    /// they were held for the first tenth of the epochs. At full pace a dense NLoS survey's residual network fell
    /// back to its first loss within an epoch of their release (seed 2: −16.1 dB for 300 epochs); held and at 0.1 it
    /// learnt steadily (−21.8 dB; 0.3: −21.4 dB at epoch 171; never held: −21.5 dB) — docs/model-neural.md.
    static let residualGeometryStepScale = 0.1

    /// Training samples per λ² below which the residual network learnt nothing useful on a dense NLoS survey, and
    /// above which it added 4–6 dB (docs/model-neural.md, "Survey density": +0.5 dB at 3.6, +5.5 dB at 5.5,
    /// +4.1 dB at 7.2 on the street corner's NLoS patch).
    static let residualDensity = 5.5

    /// "Survey more densely": when the residual network added less than 1 dB on a survey sparser than
    /// ``residualDensity`` training samples per λ² — the network cannot learn the wavelength-scale field there,
    /// whatever the training time. Nil otherwise.
    static func residualDensityHint(gainDB: Double, density: Double) -> String? {
        guard gainDB < 1, density < residualDensity, density.isFinite, gainDB.isFinite else { return nil }
        return String(
            format:
                "the residual network added %.1f dB at %.2f training samples/λ²; it needs ≈ %.1f to learn what the image-source fit misses (docs/model-neural.md, \"Survey density\") — survey more densely, first where the quality map is poor (csiloc eval --map)",
            gainDB, density, residualDensity)
    }

    /// The preset's options within the time budget: `share` of it, and no more than what is left.
    static func trainingOptions(_ trainer: ModelTrainer, stage: String, share: Double, start: Date) -> TrainingOptions {
        var o = trainer.options.preset.trainingOptions
        o.seed = trainer.options.seed
        o.stage = stage
        o.threads = trainer.options.width
        if let e = trainer.options.maxEpochs { o.epochs = max(1, min(o.epochs, e)) }
        if let m = trainer.options.minutes {
            o.minutes = max(0.2, min(m * share, m - Date().timeIntervalSince(start) / 60))
        }
        return o
    }

    static func progressLine(_ log: @escaping (String) -> Void) -> (TrainingProgress) -> Void {
        var last = Date.distantPast
        return { p in
            guard Date().timeIntervalSince(last) > 2 || p.epoch == p.epochs else { return }
            last = Date()
            log(
                String(
                    format:
                        "train: %@ — epoch %d/%d, loss %.4g, train NMSE %.2f dB, validation %.2f dB (best %.2f), %.0f s, ETA %.0f s",
                    p.stage, p.epoch, p.epochs, p.loss, p.trainNMSE, p.validationNMSE, p.bestValidationNMSE,
                    p.elapsedSeconds, p.etaSeconds))
        }
    }

    /// Trains an MB-INR on the residual of the fit; returns a hybrid model file when it improves validation
    /// NMSE (or always for `hybrid`), else nil (the caller keeps the physics model).
    static func residual(
        after fit: ImageSourceFitter.Result, train: TrainingData, validation: TrainingData, dataset: CSIDataset,
        trainer: ModelTrainer, log: @escaping (String) -> Void, cancelled: @escaping @Sendable () -> Bool,
        start: Date
    ) throws -> (file: ModelFile?, decision: String) {
        let physics = fit.model
        let physicsDB = ChannelError.measure(
            physics, positions: validation.positions,
            reference: validation.channels.map { $0 / validation.scale }
        ).nmseDB
        if trainer.options.kind == .auto && physicsDB < physicsGoodEnoughDB {
            let decision = String(
                format: "neural residual: skipped, the physics fit already reaches %.1f dB on validation", physicsDB)
            log("train: decision: \(decision)")
            return (nil, decision)
        }
        let geometry = NeuralGeometry(data: train)
        var net = try MBINR<Float>(
            configuration: trainer.options.preset.mbinr(geometry: geometry), seed: trainer.options.seed)
        // Align the atoms with the fitted paths (delays, directions) and start at exactly zero output with every
        // amplitude unit alive (`residualStart`): the network's output is the residual, which is small.
        let warmPoints = Array(train.positions.prefix(4000))
        let branchLoss = net.residualStart(
            from: physics, positions: warmPoints, epochs: trainer.options.preset == .small ? 5 : 15,
            seed: trainer.options.seed)
        var options = trainingOptions(trainer, stage: "inr on physics residual", share: 0.5, start: start)
        options.minimumStepsPerEpoch = residualStepsPerEpoch
        // The atoms' delays and directions stay where the residual start put them while the amplitudes grow from
        // zero (the first tenth of the epochs), then move at a tenth of the amplitudes' pace.
        options.slowPrefixes = MBINR<Float>.geometryBranchPrefixes
        options.freezeEpochs = max(1, options.epochs / 10)
        options.slowStepScale = residualGeometryStepScale
        let batch = options.batchSize(samples: train.count)
        log(
            String(
                format:
                    "train: inr — residual start from %d fitted paths (branch loss %.3g); batches of %d (%d steps per epoch)",
                physics.sources.count, branchLoss, batch, (train.count + batch - 1) / batch))
        let cancel = CancellationFlag()
        let watcher = Thread { while !cancel.isCancelled { if cancelled() { cancel.cancel() }; usleep(200_000) } }
        watcher.start()
        defer { cancel.cancel() }
        let report = NeuralTrainer.train(
            &net, train: train, validation: validation,
            trainTargets: train.residualTargets(base: physics),
            validationTargets: validation.residualTargets(base: physics),
            options: options,
            cancellation: cancel, progress: progressLine(log))
        if let w = report.memorisationWarning { log("train: WARNING: \(w)") }
        let hybrid = NeuralChannelModel(network: net, scale: train.scale, base: physics)
        let hybridDB = ChannelError.measure(
            hybrid, positions: validation.positions,
            reference: validation.channels.map { $0 / validation.scale }
        ).nmseDB
        let keep = trainer.options.kind == .hybrid || hybridDB < physicsDB - 0.1
        let decision = String(
            format:
                "neural residual (MB-INR, %@ preset, %.2f samples/λ², train/validation gap %.1f dB): validation %.2f dB vs physics %.2f dB → %@",
            trainer.options.preset.rawValue, report.samplesPerSquareWavelength, report.generalisationGap,
            hybridDB, physicsDB, keep ? "kept (hybrid model)" : "not kept")
        log("train: decision: \(decision)")
        if let hint = residualDensityHint(gainDB: physicsDB - hybridDB, density: report.samplesPerSquareWavelength) {
            log("train: hint: \(hint)")
        }
        guard keep else { return (nil, decision) }
        var file = try trainer.makeFile(
            physics: physics, dataset: dataset, validation: validation,
            decisions: fit.decisions + [decision], start: start)
        try attach(network: net, to: &file, kind: "hybrid", report: report)
        let err = ChannelError.measure(
            hybrid, positions: validation.positions, reference: validation.channels.map { $0 / validation.scale })
        file.header.validation = .init(points: validation.count, nmseDB: err.nmseDB, nmseSumDB: err.nmseSumDB)
        return (file, decision)
    }

    /// Trains a network alone (`inr` as published, or a baseline).
    /// `warmStart`: for `inr`, an image-source fit whose paths give the network its starting point.
    /// `nuisance`: the survey's per-frame unknowns, removed inside the loss (variable projection, docs/model-neural.md);
    /// the NMSEs the trainer reports are then nuisance-invariant (the caller records the nuisance in the file).
    static func alone(
        kind: ModelTrainer.Kind, train: TrainingData, validation: TrainingData, dataset: CSIDataset,
        trainer: ModelTrainer, warmStart fit: ImageSourceFitter.Result?, nuisance: NuisanceModel = .none,
        log: @escaping (String) -> Void, cancelled: @escaping @Sendable () -> Bool,
        start: Date
    ) throws -> ModelFile {
        let geometry = NeuralGeometry(data: train)
        let p = trainer.options.preset
        let cancel = CancellationFlag()
        let watcher = Thread { while !cancel.isCancelled { if cancelled() { cancel.cancel() }; usleep(200_000) } }
        watcher.start()
        defer { cancel.cancel() }
        let model: any ChannelModel
        var file: ModelFile
        let report: TrainingReport
        var startDecision = ""
        switch kind {
        case .inr:
            var net = try MBINR<Float>(configuration: p.mbinr(geometry: geometry), seed: trainer.options.seed)
            if let fit {
                // A fixed number of sample visits of branch fitting whatever the survey size (by default ≈ 1 000
                // Adam steps: 70 epochs of a 2 m patch survey, 19 of the full street, 460 of a 540-point survey).
                let epochs = max(5, min(1000, trainer.options.inrWarmStartSampleVisits / max(1, train.count)))
                let l = net.warmStart(
                    from: fit.model, positions: train.positions, scale: train.scale,
                    epochs: epochs, seed: trainer.options.seed)
                startDecision = String(
                    format:
                        "inr start: warm start from the image-source fit (%d paths, validation %.2f dB; branch loss %.3g)",
                    fit.model.sources.count, fit.validationNMSEDB, l)
            } else {
                let l = net.prefitDelays(
                    positions: train.positions, channels: train.channels, epochs: 10, seed: trainer.options.seed)
                startDecision = String(format: "inr start: delay/direction pre-fit from the data (branch loss %.3g)", l)
            }
            log("train: \(startDecision)")
            (model, file, report) = try trainNetwork(
                &net, kind: kind, train: train, validation: validation, dataset: dataset, trainer: trainer,
                warmStarted: fit != nil, nuisance: nuisance, log: log, cancellation: cancel, start: start)
        default:
            let cfg = kind == .mlp ? p.mlp(geometry: geometry) : p.rff(geometry: geometry, seed: trainer.options.seed)
            var net = try FieldMLP<Float>(configuration: cfg, seed: trainer.options.seed)
            (model, file, report) = try trainNetwork(
                &net, kind: kind, train: train, validation: validation, dataset: dataset, trainer: trainer,
                warmStarted: fit != nil, nuisance: nuisance, log: log, cancellation: cancel, start: start)
        }
        if let w = report.memorisationWarning { log("train: WARNING: \(w)") }
        let err = ChannelError.measure(
            model, positions: validation.positions, reference: validation.channels.map { $0 / validation.scale })
        file.header.validation = .init(points: validation.count, nmseDB: err.nmseDB, nmseSumDB: err.nmseSumDB)
        file.header.decisions += (fit?.decisions ?? []) + (startDecision.isEmpty ? [] : [startDecision])
        if nuisance != .none {
            let decision = variableProjectionDecision(
                kind: kind, nuisance: nuisance, model: model, validation: validation,
                report: report)
            log("train: decision: \(decision)")
            file.header.decisions.append(decision)
        }
        file.header.decisions.append(
            String(
                format: "%@ alone: %.2f samples/λ², train NMSE %.2f dB, validation %.2f dB%@, gap %.1f dB%@",
                kind.rawValue, report.samplesPerSquareWavelength, report.trainNMSE.meanDB,
                report.validationNMSE.meanDB, nuisance == .none ? "" : " (nuisance-invariant)",
                report.generalisationGap, report.memorisationWarning.map { " — " + $0 } ?? ""))
        return file
    }

    /// Trains the network of `alone` (either kind) and stores it: the training options (with a warm start, a
    /// learning-rate ramp and more patience), the stored scale, and the file carrying the network.
    private static func trainNetwork<N: NeuralField>(
        _ net: inout N, kind: ModelTrainer.Kind, train: TrainingData, validation: TrainingData, dataset: CSIDataset,
        trainer: ModelTrainer, warmStarted: Bool, nuisance: NuisanceModel, log: @escaping (String) -> Void,
        cancellation cancel: CancellationFlag, start: Date
    ) throws -> (model: any ChannelModel, file: ModelFile, report: TrainingReport) {
        var options = trainingOptions(trainer, stage: kind.rawValue, share: 1, start: start)
        options.nuisance = nuisance
        if warmStarted {
            // Near a good solution already: ramp the learning rate up so the first Adam steps do not undo the
            // warm start, and let validation recover from the early excursions before stopping (measured on the
            // street patch: without these, a run stopped at epoch 90 at −20.7 dB).
            options.warmupEpochs = 3
            options.patience = max(options.patience, 60)
        }
        let report = NeuralTrainer.train(
            &net, train: train, validation: validation, options: options, cancellation: cancel,
            progress: progressLine(log))
        let scale = storedScale(train.scale, report)
        var file = try bareFile(kind: kind.rawValue, dataset: dataset, trainer: trainer, start: start, scale: scale)
        try attach(network: net, to: &file, kind: kind.rawValue, report: report)
        return (NeuralChannelModel(network: net, scale: scale), file, report)
    }

    /// The scale a network alone is stored with: the data's, and after variable-projection training also the gain
    /// the network ended in (`TrainingReport.outputEnergyRatio`), so that the model's mean energy over the training
    /// points is the survey's — the gauge convention (docs/model-neural.md). Changes no nuisance-invariant figure.
    static func storedScale(_ scale: Double, _ report: TrainingReport) -> Double {
        guard let r = report.outputEnergyRatio, r.isFinite, r > 0 else { return scale }
        return scale * r.squareRoot()
    }

    /// How a network alone was fitted to an unsynchronised survey, and the gauge it ended in.
    static func variableProjectionDecision(
        kind: ModelTrainer.Kind, nuisance: NuisanceModel, model: some ChannelModel,
        validation: TrainingData, report: TrainingReport
    ) -> String {
        let predicted = model.channels(at: validation.positions)
        let modelEnergy = predicted.reduce(0) { $0 + $1 * $1 }
        let surveyEnergy = validation.channels.reduce(0) { $0 + $1 * $1 } / (validation.scale * validation.scale)
        let unknowns = nuisance == .phaseGainAndTiming ? "gain, phase and timing offset" : "gain and phase"
        return String(
            format:
                "%@ fitted by variable projection (nuisance %@): each frame's %@ removed in closed form inside the loss (gradient by the envelope theorem), validation and early stopping on the nuisance-invariant NMSE; gauge: the loss does not see the model's gain, which ended at %+.2f dB of the survey's energy and is rescaled to match it on the training points (%+.2f dB on validation); the model's phase and delay are conventions, so only nuisance-invariant NMSEs are meaningful",
            kind.rawValue, nuisance.rawValue, unknowns, decibels(report.outputEnergyRatio ?? 1),
            decibels(modelEnergy / max(surveyEnergy, .leastNormalMagnitude)))
    }

    static func bareFile(
        kind: String, dataset: CSIDataset, trainer: ModelTrainer, start: Date, scale: Double
    ) throws -> ModelFile {
        let header = ModelHeader(
            kind: kind, toolVersion: csilocVersion, created: iso8601Now(), frame: trainer.options.frame,
            antennas: dataset.antennas.map { [$0.x, $0.y, $0.z] }, frequencies: dataset.frequencies,
            carrier: dataset.carrier,
            scale: scale,
            training: .init(dataset: dataset, seed: trainer.options.seed, seconds: Date().timeIntervalSince(start)),
            validation: .init(points: 0, nmseDB: .nan, nmseSumDB: .nan), decisions: [], physics: nil, neural: nil)
        return ModelFile(header: header, tensors: [])
    }

    /// Adds a network's architecture (JSON in the header) and parameters (tensors `neural.*`) to a file.
    static func attach<N: NeuralField>(
        network: N, to file: inout ModelFile, kind: String, report: TrainingReport
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let arch = String(decoding: try encoder.encode(network.architecture), as: UTF8.self)
        file.header.kind = kind
        file.header.neural = [
            "architecture": arch, "parameters": "\(network.parameters.count)",
            "epochs": "\(report.epochsRun)", "best_epoch": "\(report.bestEpoch)",
            "samples_per_lambda2": String(format: "%.3f", report.samplesPerSquareWavelength),
        ]
        let tensors = network.parameters.tensors.map {
            ModelTensor(name: "neural." + $0.name, shape: $0.shape, floats: $0.values)
        }
        file.tensors += tensors
    }
}

extension ImageSourceModel: PathDecomposition {
    /// Per-path closed-form quantities at `x` (raw units), for warm-starting a network from the fit. A diffracted
    /// path's delay and arrival direction are those of its unfolded image centre (`EdgeLine`); its direction at the
    /// image array is toward the diffraction point.
    public func paths(at x: Point3) -> [PathComponent] {
        let k0 = 2 * Double.pi * carrier / speedOfLight
        let a = frame.axes
        return sources.enumerated().map { id, s in
            let v = x - (s.edge?.unfolded(s.center, seenFrom: x) ?? s.center), d = v.length, u = v / d
            let g =
                (gainMap?.gain(path: id, at: x).value ?? s.gain(at: x, reference: gainReference))
                * (wedgeCoefficient(s, at: x) ?? Complex(1, 0))
            let amplitude =
                g * Complex(length: 1 / (s.spreading(from: .zero, to: x, length: d) * scale), phase: -k0 * d)
            let departure = s.edge.map { ($0.diffractionPoint(from: s.center, to: x) - s.center).normalized } ?? u
            return PathComponent(
                id: id, delay: d / speedOfLight, direction: u, amplitude: amplitude,
                arrayDirection: a.0 * departure.dot(s.e1) + a.1 * departure.dot(s.e2) + a.2 * departure.dot(s.e3))
        }
    }
}
