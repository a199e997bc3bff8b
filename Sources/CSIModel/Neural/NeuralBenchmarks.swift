public import CSIChannel
import CSINumerics
import Dispatch
import Foundation

/// Reproducible training benchmarks (the acceptance numbers of docs/model-neural.md): simulate a scene,
/// train a network, and report train / validation / test NMSE, the sample density and the speed.
/// Called by `csiloc bench inr`.
public enum NeuralBenchmarks {
    /// The network benchmarked: the MB-INR or a baseline (plain MLP, random Fourier features).
    public enum ModelKind: String, Sendable, CaseIterable { case mbinr, mlp, rff }
    /// How the MB-INR starts: He init only, the delay/direction pre-fit (a) from the data, the physics warm
    /// start (b) from an image-source fit of the same training data (`fit`, what `csiloc train --model inr`
    /// does), or (b) from the exact simulator's paths (`physics`: an upper bound, not available on real data).
    public enum Start: String, Sendable, CaseIterable { case standard, prefit, fit, physics }

    /// What to benchmark.
    public struct Request: Sendable {
        /// The scene simulated for training and test data.
        public var scene: Scene
        /// Number of training samples (validation included).
        public var trainCount = 15_000
        /// Number of test samples.
        public var testCount = 2_000
        /// Fraction (0…1) of the training samples held out for validation.
        public var validationFraction = 0.1
        /// The network trained.
        public var model = ModelKind.mbinr
        /// Size of the network.
        public var preset = NeuralPreset.small
        /// How the MB-INR starts.
        public var start = Start.prefit
        /// Settings of the trainer.
        public var options = TrainingOptions()
        /// Train on even subcarriers only and report NMSE on the odd ones (frequency extrapolation).
        public var holdOutOddSubcarriers = false
        /// Seed of the simulation, the split and the training.
        public var seed: UInt64 = 1
        /// Epochs of branch fitting for `.prefit` / `.fit` / `.physics`.
        public var warmStartEpochs = 30
        /// Time budget of the image-source fit for `.fit` (minutes; nil: until it stops improving).
        public var fitMinutes: Double? = nil
        /// A request on `scene` with the defaults above.
        public init(scene: Scene) { self.scene = scene }
    }

    /// What a benchmark measured.
    public struct Result: Sendable {
        /// The trainer's report.
        public var report: TrainingReport
        package var test: NMSE
        /// NMSE on the held-out (odd) subcarriers, when requested.
        var heldOutSubcarriers: NMSE?
        var parameterCount: Int
        var trainSeconds: Double
        /// Channels per second of `NeuralChannelModel.evaluate` on the test set (2 threads).
        var evaluationRate: Double
        /// Value + Jacobian evaluations per second (one position at a time, one thread).
        var jacobianRate: Double
    }

    /// Runs one benchmark; `log` receives progress lines.
    public static func run(_ r: Request, log: @escaping (String) -> Void) throws -> Result {
        if r.start == .physics && r.scene.hasDiffraction {
            throw SceneError.invalid(
                "--start physics needs a pure image-source scene: '\(r.scene.name)' has \(r.scene.edges.count) diffracting edge(s), whose paths are not point sources (use --start fit or prefit)"
            )
        }
        let sim = ChannelSimulator(scene: r.scene)
        let all = PositionSampler.uniform(in: r.scene.ueRegion, count: r.trainCount, seed: r.seed)
        let testPos = PositionSampler.uniform(in: r.scene.ueRegion, count: r.testCount, seed: r.seed &+ 1000)
        let freqs = sim.frequencies
        let keep = r.holdOutOddSubcarriers ? Array(Swift.stride(from: 0, to: freqs.count, by: 2)) : Array(freqs.indices)
        let held = r.holdOutOddSubcarriers ? Array(Swift.stride(from: 1, to: freqs.count, by: 2)) : []
        func dataset(_ pos: [Point3], _ ks: [Int]) -> CSIDataset {
            let h = sim.channels(at: pos), na = sim.antennaCount, ns = freqs.count
            var csi = [Float](); csi.reserveCapacity(pos.count * na * ks.count * 2)
            for m in 0..<pos.count {
                for j in 0..<na {
                    for k in ks {
                        let o = m * 2 * na * ns + 2 * (j * ns + k); csi.append(Float(h[o])); csi.append(Float(h[o + 1]))
                    }
                }
            }
            return CSIDataset(
                positions: pos, csi: csi, frequencies: ks.map { freqs[$0] }, antennas: sim.antennaPositions,
                carrier: r.scene.subcarriers.carrier)
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let trainDS = dataset(all, keep), testDS = dataset(testPos, keep)
        let data = TrainingData(dataset: trainDS)
        let (train, val) = TrainingData.split(count: data.count, validationFraction: r.validationFraction, seed: r.seed)
        let geometry = NeuralGeometry(data: data)
        log(
            "simulated \(all.count) + \(testPos.count) channels (\(sim.antennaCount)×\(keep.count)) in "
                + fixed(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, 1) + " s; "
                + fixed(
                    NeuralTrainer.samplesPerSquareWavelength(train.map { all[$0] }, wavelength: geometry.wavelength), 2)
                + " training samples/λ²")
        var opts = r.options
        let printer: (TrainingProgress) -> Void = { p in
            log(
                "[\(p.stage)] epoch \(p.epoch)/\(p.epochs) loss \(fixed(p.loss, 5)) train \(fixed(p.trainNMSE, 2)) dB "
                    + "val \(fixed(p.validationNMSE, 2)) dB (best \(fixed(p.bestValidationNMSE, 2))) lr \(p.learningRate) "
                    + "t \(fixed(p.elapsedSeconds, 0)) s eta \(fixed(p.etaSeconds, 0)) s")
        }
        switch r.model {
        case .mbinr:
            var net = try MBINR<Float>(configuration: r.preset.mbinr(geometry: geometry), seed: r.seed)
            let tp = train.map { data.positions[$0] }
            switch r.start {
            case .standard: break
            case .prefit:
                let ch = train.flatMap { m in
                    data.channels[(m * data.valuesPerSample)..<((m + 1) * data.valuesPerSample)]
                }
                let l = net.prefitDelays(positions: tp, channels: ch, epochs: r.warmStartEpochs, seed: r.seed)
                log("delay/direction pre-fit: branch loss \(fixed(l, 4))")
            case .fit, .physics:
                let paths: any PathDecomposition
                if r.start == .fit {
                    paths = fitPhysics(r, dataset: trainDS, train: train, validation: val, scale: data.scale, log: log)
                } else {
                    paths = sim
                }
                let probe = Array(tp.prefix(500))
                let floor = NMSE.between(
                    net.synthesise(net.physicsTargets(paths, positions: probe, scale: data.scale)).map { Double($0) },
                    probe.indices.flatMap {
                        data.channels[(train[$0] * data.valuesPerSample)..<((train[$0] + 1) * data.valuesPerSample)]
                    },
                    stride: data.valuesPerSample)
                log(
                    "path targets met exactly would give \(fixed(floor.meanDB, 2)) dB (architecture floor for this decomposition)"
                )
                let l = net.warmStart(
                    from: paths, positions: tp, scale: data.scale, epochs: r.warmStartEpochs, seed: r.seed)
                log(
                    "warm start from \(r.start == .fit ? "the fitted" : "the simulator's") paths: branch loss \(fixed(l, 4))"
                )
            }
            opts.stage = "mbinr"
            return finish(
                &net, data: data, train: train, val: val, testDS: testDS, sim: sim, held: held, opts: opts,
                printer: printer, t0: t0, log: log)
        case .mlp, .rff:
            let cfg =
                r.model == .mlp ? r.preset.mlp(geometry: geometry) : r.preset.rff(geometry: geometry, seed: r.seed)
            var net = try FieldMLP<Float>(configuration: cfg, seed: r.seed)
            opts.stage = r.model.rawValue
            return finish(
                &net, data: data, train: train, val: val, testDS: testDS, sim: sim, held: [], opts: opts,
                printer: printer, t0: t0, log: log)
        }
    }

    /// The image-source fit of the training split (validation split for its decisions), run by `ModelTrainer`
    /// exactly as `csiloc train` runs it.
    static func fitPhysics(
        _ r: Request, dataset: CSIDataset, train: [Int], validation: [Int], scale: Double,
        log: @escaping (String) -> Void
    ) -> ImageSourceModel {
        var options = ModelTrainer.Options()
        options.seed = r.seed
        options.minutes = r.fitMinutes
        options.width = r.options.threads
        let result = ModelTrainer(options: options).fitPhysics(
            train: TrainingData(dataset: dataset, indices: train, scale: scale),
            validation: TrainingData(dataset: dataset, indices: validation, scale: scale),
            dataset: dataset, nuisance: .none, share: 1, log: log, cancelled: { false }, checkpoint: nil, start: Date())
        log("image-source fit: \(result.model.sources.count) paths, validation \(fixed(result.validationNMSEDB, 2)) dB")
        return result.model
    }

    static func finish<N: NeuralField>(
        _ net: inout N, data: TrainingData, train: [Int], val: [Int], testDS: CSIDataset,
        sim: ChannelSimulator, held: [Int], opts: TrainingOptions,
        printer: @escaping (TrainingProgress) -> Void, t0: UInt64,
        log: (String) -> Void
    ) -> Result {
        let report = NeuralTrainer.train(
            &net, data: data, training: train, validation: val, options: opts, progress: printer)
        let model = NeuralChannelModel(network: net, scale: data.scale)
        let e0 = DispatchTime.now().uptimeNanoseconds
        let test = NMSE.evaluate(model, dataset: testDS)
        let rate = Double(testDS.count) / (Double(DispatchTime.now().uptimeNanoseconds - e0) / 1e9)
        let nj = min(500, testDS.count), j0 = DispatchTime.now().uptimeNanoseconds
        var checksum = 0.0
        for m in 0..<nj { checksum += model.channelAndJacobian(at: testDS.positions[m]).jacobian[0] }
        let jacobianRate = Double(nj) / (Double(DispatchTime.now().uptimeNanoseconds - j0) / 1e9)
        var heldN: NMSE? = nil
        if !held.isEmpty, let mb = net as? MBINR<Float> {
            let freqs = held.map { sim.frequencies[$0] }
            let pred = mb.predict(testDS.positions, frequencies: freqs)
            let h = sim.channels(at: testDS.positions), na = sim.antennaCount, ns = sim.subcarrierCount
            var errs = [Double](), pows = [Double]()
            let per = 2 * na * held.count
            for m in 0..<testDS.count {
                var e = 0.0, p = 0.0
                for j in 0..<na {
                    for (q, k) in held.enumerated() {
                        for c in 0..<2 {
                            let ref = h[m * 2 * na * ns + 2 * (j * ns + k) + c],
                                y = Double(pred[m * per + 2 * (j * held.count + q) + c]) / data.scale
                            e += (y - ref) * (y - ref); p += ref * ref
                        }
                    }
                }
                errs.append(e); pows.append(p)
            }
            heldN = NMSE(errors: errs, powers: pows)
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        log(
            "stop: \(report.stop.rawValue) after \(report.epochsRun) epochs (best \(report.bestEpoch)), \(fixed(report.seconds, 0)) s; "
                + "train \(fixed(report.trainNMSE.meanDB, 2)) dB, validation \(fixed(report.validationNMSE.meanDB, 2)) dB, "
                + "test \(fixed(test.meanDB, 2)) dB (ratio of sums \(fixed(test.ratioOfSumsDB, 2)) dB)"
                + (heldN.map {
                    "; held-out subcarriers \(fixed($0.meanDB, 2)) dB (ratio \(fixed($0.ratioOfSumsDB, 2)))"
                } ?? "")
                + "; \(net.parameters.count) parameters; evaluate \(fixed(rate, 0)) channels/s (2 threads), value+Jacobian "
                + "\(fixed(jacobianRate, 0))/s (1 thread, checksum \(fixed(checksum, 3))); total \(fixed(total, 0)) s")
        if let lt = report.lastTrainNMSE, let lv = report.lastValidationNMSE {
            log("last validation: train \(fixed(lt.meanDB, 2)) dB, validation \(fixed(lv.meanDB, 2)) dB")
        }
        if let w = report.memorisationWarning { log("WARNING: \(w)") }
        return Result(
            report: report, test: test, heldOutSubcarriers: heldN, parameterCount: net.parameters.count,
            trainSeconds: report.seconds, evaluationRate: rate, jacobianRate: jacobianRate)
    }
}
