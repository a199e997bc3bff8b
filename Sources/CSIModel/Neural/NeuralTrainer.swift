import CSIChannel
import CSINumerics
import Dispatch

/// Mini-batch Adam training of any `NeuralField` on `TrainingData` (docs/method.md §5): loss = mean over the batch
/// of ‖Ĥ − H‖²_F, cosine learning-rate decay, validation NMSE after every `validationInterval` epochs, early
/// stopping, and the best-validation parameters kept (also on cancellation or divergence).
///
/// On an unsynchronised survey (`TrainingOptions.nuisance`) the loss is the variable-projection cost
/// min_{α,τ} ‖H − α D(τ) Ĥ‖²_F (plus an optional gauge penalty), every NMSE is nuisance-invariant, and the report
/// gives the output gain the network ended in (`NeuralTrainer+Nuisance.swift`). Deterministic in the same way.
///
/// Both cores: every batch is cut into `options.shards` fixed slices whose gradients are computed on worker
/// threads (OpenBLAS set to 1 thread) and summed in slice order — measured faster than OpenBLAS's own
/// threads for these small GEMMs, and deterministic: same seed and options ⇒ bit-identical parameters
/// whatever `threads` is (not when stopped by the time budget).
enum NeuralTrainer {
    /// Trains `network` in place toward `targets` (default: `data.channels`; for a residual network pass
    /// scale·(H − base(x)) from `residualTargets`). NMSEs are reported against the full channel
    /// `data.channels`, so with residual targets they are those of the composite base + network.
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func train<N: NeuralField>(
        _ network: inout N, data: TrainingData, training: [Int], validation: [Int],
        targets: [Double]? = nil, options o: TrainingOptions = TrainingOptions(),
        cancellation: CancellationFlag? = nil,
        progress: ((TrainingProgress) -> Void)? = nil
    ) -> TrainingReport {
        precondition(!training.isEmpty && !validation.isEmpty, "need training and validation samples")
        precondition(o.nuisance == .none || targets == nil, "with a nuisance the targets are the channels")
        let goal = targets ?? data.channels
        var rng = SeededGenerator(seed: o.seed, stream: 0x5452_4D53) // "TRMS"
        let metricIdx = Array(training.shuffled(using: &rng).prefix(o.trainMetricSamples))
        return run(
            &network, trainSet: EvaluationSet(indices: training, data: data, targets: goal),
            metricSet: EvaluationSet(indices: metricIdx, data: data, targets: goal),
            validationSet: EvaluationSet(indices: validation, data: data, targets: goal),
            options: o, cancellation: cancellation, progress: progress)
    }

    /// The same with separate training and validation sets (same `scale`), e.g. `ModelTrainer`'s.
    /// `trainTargets` / `validationTargets` default to the channels (pass `residualTargets(base:)` of each set
    /// for a residual network).
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func train<N: NeuralField>(
        _ network: inout N, train: TrainingData, validation: TrainingData,
        trainTargets: [Double]? = nil, validationTargets: [Double]? = nil,
        options o: TrainingOptions = TrainingOptions(),
        cancellation: CancellationFlag? = nil,
        progress: ((TrainingProgress) -> Void)? = nil
    ) -> TrainingReport {
        precondition(train.count > 0 && validation.count > 0, "need training and validation samples")
        precondition(
            abs(train.scale - validation.scale) <= 1e-12 * train.scale, "training and validation must share one scale")
        precondition(
            o.nuisance == .none || (trainTargets == nil && validationTargets == nil),
            "with a nuisance the targets are the channels")
        let all = Array(0..<train.count)
        var rng = SeededGenerator(seed: o.seed, stream: 0x5452_4D53) // "TRMS"
        let metricIdx = Array(all.shuffled(using: &rng).prefix(o.trainMetricSamples))
        let tg = trainTargets ?? train.channels
        return run(
            &network, trainSet: EvaluationSet(indices: all, data: train, targets: tg),
            metricSet: EvaluationSet(indices: metricIdx, data: train, targets: tg),
            validationSet: EvaluationSet(
                indices: Array(0..<validation.count), data: validation,
                targets: validationTargets ?? validation.channels),
            options: o, cancellation: cancellation, progress: progress)
    }

    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func run<N: NeuralField>(
        _ network: inout N, trainSet: EvaluationSet, metricSet trainMetricSet: EvaluationSet,
        validationSet valSet: EvaluationSet, options o: TrainingOptions,
        cancellation: CancellationFlag?, progress: ((TrainingProgress) -> Void)?
    ) -> TrainingReport {
        typealias S = N.Scalar
        let stride = trainSet.stride
        precondition(
            stride == network.valuesPerChannel, "network outputs \(network.valuesPerChannel) values, data has \(stride)"
        )
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        BLAS.setThreads(o.blasThreads)
        let targetsS = trainSet.targets.map { S($0) }

        let n = trainSet.positions.count, batch = o.batchSize(samples: n)
        let stepsPerEpoch = (n + batch - 1) / batch
        var adam = AdamOptimizer<S>(
            parameterCount: network.parameters.count, learningRate: o.learningRate,
            finalLearningRate: o.finalLearningRate, totalSteps: o.epochs * stepsPerEpoch)
        adam.warmupSteps = o.warmupEpochs * stepsPerEpoch
        let slow = network.parameters.entries.filter { e in o.slowPrefixes.contains { e.name.hasPrefix($0) } }
            .map { $0.offset..<($0.offset + $0.count) }
        var slowBefore = [S](repeating: 0, count: slow.reduce(0) { $0 + $1.count })
        var best = network.parameters.values, bestVal = Double.infinity, bestEpoch = 0, sinceBest = 0
        var bestTrain = NMSE(meanDB: .nan, ratioOfSumsDB: .nan, count: 0), bestValN = bestTrain
        var lastTrain: NMSE? = nil, lastVal: NMSE? = nil
        var stop = TrainingStop.epochs, epoch = 0
        let batchPos = SharedBuffer<Point3>(Array(repeating: .zero, count: batch))
        let batchTgt = SharedBuffer<S>(count: batch * stride)
        let shards = max(1, min(o.shards, batch))
        let shardGrads = (0..<shards).map { _ in SharedBuffer<S>(count: network.parameters.count) }
        var total = [S](repeating: 0, count: network.parameters.count)
        // Variable projection (unsynchronised survey): the batch's channels in Float64 and one workspace per slice.
        let nuisance = o.nuisance, vpLoss = NuisanceLoss(o)
        let batchH = nuisance == .none ? nil : SharedBuffer<Double>(count: batch * stride)
        let workspaces =
            nuisance == .none
            ? []
            : (0..<shards).map { _ in
                NuisanceWorkspace<S>(geometry: network.geometry, nuisance: nuisance, capacity: batch / shards + 1)
            }

        if let progress {
            // Epoch 0: where the initialisation starts (docs/method.md §16.1: a standard init sits at 0 dB).
            let trainN = trainMetricSet.nmse(of: network, threads: o.threads, nuisance: nuisance)
            let valN = valSet.nmse(of: network, threads: o.threads, nuisance: nuisance)
            progress(
                TrainingProgress(
                    stage: o.stage, epoch: 0, epochs: o.epochs, loss: .nan, trainNMSE: trainN.meanDB,
                    validationNMSE: valN.meanDB, bestValidationNMSE: .infinity,
                    learningRate: adam.currentLearningRate, elapsedSeconds: elapsed(), etaSeconds: .nan))
        }
        training: while epoch < o.epochs {
            var order = Array(0..<n)
            var erng = SeededGenerator(seed: o.seed, stream: UInt64(epoch) &+ 0x4550_4F43) // "EPOC"
            order.shuffle(using: &erng)
            var epochLoss = 0.0
            for s0 in Swift.stride(from: 0, to: n, by: batch) {
                if cancellation?.isCancelled == true { stop = .cancelled; break training }
                let nb = min(batch, n - s0)
                let loss: Double
                if let batchH {
                    for r in 0..<nb {
                        let m = order[s0 + r]
                        batchPos.buffer[r] = trainSet.positions[m]
                        for t in 0..<stride { batchH.buffer[r * stride + t] = trainSet.targets[m * stride + t] }
                    }
                    let sums = shardedNuisanceGradient(
                        network, positions: batchPos, channels: batchH, count: nb, stride: stride,
                        loss: vpLoss, threads: o.threads, workspaces: workspaces,
                        grads: shardGrads, total: &total)
                    loss = sums.objective.isFinite ? sums.cost : .nan
                } else {
                    for r in 0..<nb {
                        let m = order[s0 + r]
                        batchPos.buffer[r] = trainSet.positions[m]
                        for t in 0..<stride { batchTgt.buffer[r * stride + t] = targetsS[m * stride + t] }
                    }
                    loss = shardedGradient(
                        network, positions: batchPos, targets: batchTgt, count: nb, stride: stride,
                        shards: shards, threads: o.threads, grads: shardGrads, total: &total)
                }
                guard loss.isFinite else { stop = .diverged; break training }
                epochLoss += loss
                let slowScale = epoch < o.freezeEpochs ? 0 : S(o.slowStepScale)
                if slowScale != 1 {
                    var k = 0
                    for r in slow { for i in r { slowBefore[k] = network.parameters.values[i]; k += 1 } }
                }
                adam.update(&network.parameters.values, gradient: total)
                if slowScale != 1 {
                    var k = 0
                    for r in slow {
                        for i in r {
                            let v = network.parameters.values[i]
                            network.parameters.values[i] = slowBefore[k] + slowScale * (v - slowBefore[k]); k += 1
                        }
                    }
                }
            }
            epoch += 1
            if epoch == 1, let minutes = o.minutes {
                // Fix the cosine horizon to the epochs the budget allows.
                let perEpoch = max(elapsed(), 1e-3)
                let affordable = max(1, min(o.epochs, Int(minutes * 60 / perEpoch)))
                adam.totalSteps = affordable * stepsPerEpoch
            }
            let outOfTime = o.minutes.map { elapsed() > $0 * 60 } ?? false
            if epoch % o.validationInterval == 0 || epoch == o.epochs || outOfTime {
                let trainN = trainMetricSet.nmse(of: network, threads: o.threads, nuisance: nuisance)
                let valN = valSet.nmse(of: network, threads: o.threads, nuisance: nuisance)
                lastTrain = trainN; lastVal = valN
                if valN.meanDB < bestVal {
                    bestVal = valN.meanDB; best = network.parameters.values; bestEpoch = epoch; sinceBest = 0
                    bestTrain = trainN; bestValN = valN
                } else if epoch > o.freezeEpochs {
                    // Held parameter groups (`freezeEpochs`) are not judged: early stopping counts from their release.
                    sinceBest += 1
                }
                let t = elapsed()
                var eta = t / Double(epoch) * Double(o.epochs - epoch)
                if let minutes = o.minutes { eta = min(eta, max(0, minutes * 60 - t)) }
                progress?(
                    TrainingProgress(
                        stage: o.stage, epoch: epoch, epochs: o.epochs, loss: epochLoss / Double(n),
                        trainNMSE: trainN.meanDB, validationNMSE: valN.meanDB, bestValidationNMSE: bestVal,
                        learningRate: adam.currentLearningRate, elapsedSeconds: t, etaSeconds: eta))
                if sinceBest >= o.patience { stop = .earlyStopping; break }
            }
            if outOfTime { stop = .timeBudget; break }
        }
        if bestEpoch > 0 {
            network.parameters.values = best
        } else {
            bestTrain = trainMetricSet.nmse(of: network, threads: o.threads, nuisance: nuisance)
            bestValN = valSet.nmse(of: network, threads: o.threads, nuisance: nuisance)
        }
        var report = TrainingReport(
            stop: stop, epochsRun: epoch, bestEpoch: bestEpoch, seconds: elapsed(), trainNMSE: bestTrain,
            validationNMSE: bestValN, lastTrainNMSE: lastTrain, lastValidationNMSE: lastVal,
            samplesPerSquareWavelength: samplesPerSquareWavelength(
                trainSet.positions, wavelength: network.geometry.wavelength))
        if nuisance != .none { report.outputEnergyRatio = trainMetricSet.energyRatio(of: network, threads: o.threads) }
        return report
    }

    /// Gradient of the mean batch loss into `total` (slices computed on worker threads, summed in order);
    /// returns the summed squared error of the batch.
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func shardedGradient<N: NeuralField>(
        _ net: N, positions: SharedBuffer<Point3>, targets: SharedBuffer<N.Scalar>, count nb: Int,
        stride: Int, shards: Int, threads: Int, grads: [SharedBuffer<N.Scalar>],
        total: inout [N.Scalar]
    ) -> Double {
        let weight = N.Scalar(1) / N.Scalar(nb)
        let losses = SharedBuffer<Double>(count: shards)
        let bounds = (0...shards).map { $0 * nb / shards }
        let body: @Sendable (Int) -> Void = { s in
            let g = grads[s].buffer
            g.update(repeating: 0)
            let lo = bounds[s], hi = bounds[s + 1]
            guard hi > lo else { return }
            losses.buffer[s] = net.accumulateGradient(
                UnsafeBufferPointer(rebasing: positions.buffer[lo..<hi]),
                targets: targets.buffer.baseAddress! + lo * stride, weight: weight,
                gradient: g.baseAddress!)
        }
        forEachShard(shards, parallel: threads > 1 && shards > 1, body)
        sumShards(grads, count: shards, into: &total)
        return losses.array.reduce(0, +)
    }

    /// Runs `body` for shards 0..<`shards`, on worker threads when `parallel`.
    static func forEachShard(_ shards: Int, parallel: Bool, _ body: @Sendable (Int) -> Void) {
        if parallel {
            DispatchQueue.concurrentPerform(iterations: shards, execute: body)
        } else {
            for s in 0..<shards { body(s) }
        }
    }

    /// The gradients of the first `shards` shards summed into `total`, shard by shard in order (the same sum
    /// whatever the threads).
    @inline(__always)
    static func sumShards<Scalar: NeuralScalar>(
        _ grads: [SharedBuffer<Scalar>], count shards: Int, into total: inout [Scalar]
    ) {
        for i in total.indices {
            var acc = grads[0].buffer[i]
            for s in 1..<shards { acc += grads[s].buffer[i] }
            total[i] = acc
        }
    }

    /// Training samples per λ² over the x–y bounding box of `positions`.
    static func samplesPerSquareWavelength(_ positions: [Point3], wavelength: Double) -> Double {
        guard let first = positions.first else { return 0 }
        var lo = first, hi = first
        for p in positions { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        let area = (hi.x - lo.x) * (hi.y - lo.y)
        return area > 0 ? Double(positions.count) * wavelength * wavelength / area : .infinity
    }
}
