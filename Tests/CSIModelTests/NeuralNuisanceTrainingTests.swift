import CSINumerics
import Foundation
import Testing

@testable import CSIChannel
@testable import CSIModel

/// Networks alone on unsynchronised surveys: variable-projection training (`TrainingOptions.nuisance`) against the
/// same network trained on the clean survey and trained as if the impaired survey were coherent; and what
/// `ModelTrainer` writes for `mlp`, `rff` and `inr --inr-start data` on such a survey.
@Suite(.serialized) struct NeuralNuisanceTrainingTests {
    /// A 20 cm × 20 cm patch of the two-path scene of `NuisanceTrainingTests` (8 antennas, 8 subcarriers over
    /// 100 MHz): ≈ 110 samples/λ² at 600 points, where a small MLP or RFF network learns the field.
    static let region = Region(x: -0.1...0.1, y: -0.1...0.1, z: 1...1)

    /// Random phase, ±5 ns timing offset and 1 dB gain spread on every frame.
    static var impairments: Impairments { NuisanceTrainingTests.unsynchronised }

    static func network(_ kind: ModelTrainer.Kind, _ data: TrainingData) throws -> FieldMLP<Float> {
        let g = NeuralGeometry(data: data)
        let cfg =
            kind == .rff
            ? FieldMLPConfiguration(
                geometry: g, encoding: .randomFourier(features: 64, sigma: 2 * .pi / g.wavelength, seed: 1),
                hiddenWidths: [64, 64])
            : FieldMLPConfiguration(geometry: g, encoding: .coordinates, hiddenWidths: [64, 64, 64])
        return try FieldMLP<Float>(configuration: cfg, seed: 1)
    }

    /// Trains `kind` on `survey` (85/15 split) with `nuisance` for 150 epochs; returns the model (raw units), the
    /// report and the validation split.
    static func train(
        _ kind: ModelTrainer.Kind, on survey: CSIDataset, nuisance: NuisanceModel
    ) throws
        -> (
            model: NeuralChannelModel<FieldMLP<Float>>, report: TrainingReport, train: TrainingData,
            validation: TrainingData
        )
    {
        let split = TrainingData.split(count: survey.count, validationFraction: 0.15, seed: 1)
        let tr = TrainingData(dataset: survey, indices: split.train)
        let va = TrainingData(dataset: survey, indices: split.validation, scale: tr.scale)
        var net = try network(kind, tr)
        var o = TrainingOptions()
        o.epochs = 150; o.batchSize = 64; o.learningRate = 3e-3; o.validationInterval = 5; o.patience = 1000
        o.nuisance = nuisance
        let report = NeuralTrainer.train(&net, train: tr, validation: va, options: o)
        return (NeuralChannelModel(network: net, scale: tr.scale), report, tr, va)
    }

    /// (c) Same positions, clean or impaired frames. Judged on clean held-out points after each one's own gain, phase
    /// and timing offset: with the nuisance the network gets within 3 dB of the one trained on the clean survey (it is
    /// usually better: it need not learn the frames' common phase), while training the impaired survey as if it were
    /// coherent stays > 10 dB worse. The trainer's own (invariant) validation figure and output energy ratio agree
    /// with independent computations.
    @Test(arguments: [ModelTrainer.Kind.rff, .mlp])
    func variableProjectionLearnsAnUnsynchronisedSurvey(kind: ModelTrainer.Kind) throws {
        let clean = NuisanceTrainingTests.survey(Impairments(), count: 600, seed: 41, region: Self.region)
        let impaired = NuisanceTrainingTests.survey(Self.impairments, count: 600, seed: 41, region: Self.region)
        #expect(clean.positions == impaired.positions)
        let test = NuisanceTrainingTests.survey(Impairments(), count: 300, seed: 42, region: Self.region)
        let reference = test.csi.map(Double.init)
        func invariant(_ m: some ChannelModel) -> Double {
            ChannelError.measure(m, positions: test.positions, reference: reference, nuisance: .phaseGainAndTiming)
                .nmseDB
        }

        let coherent = try Self.train(kind, on: clean, nuisance: .none)
        let vp = try Self.train(kind, on: impaired, nuisance: .phaseGainAndTiming)
        let naive = try Self.train(kind, on: impaired, nuisance: .none)
        let (dbClean, dbVP, dbNaive) = (invariant(coherent.model), invariant(vp.model), invariant(naive.model))
        print(
            "\(kind) invariant test NMSE: clean survey \(dbClean) dB, unsynchronised with the nuisance \(dbVP) dB, without \(dbNaive) dB"
        )
        #expect(dbClean < -15, "\(kind) on the clean survey: \(dbClean) dB")
        #expect(dbVP < dbClean + 3, "\(kind) with the nuisance: \(dbVP) dB vs \(dbClean) dB on the clean survey")
        #expect(
            dbNaive > dbClean + 10, "\(kind) without the nuisance: \(dbNaive) dB vs \(dbClean) dB on the clean survey")

        // The reported validation NMSE: invariant with the nuisance, plain without (independent computations).
        for (run, nuisance) in [(vp, NuisanceModel.phaseGainAndTiming), (coherent, .none)] {
            let v = run.validation
            let expected = ChannelError.measure(
                run.model, positions: v.positions, reference: v.channels.map { $0 / v.scale },
                nuisance: nuisance)
            #expect(
                abs(run.report.validationNMSE.meanDB - expected.nmseDB) < 1e-3,
                "\(nuisance): trainer \(run.report.validationNMSE.meanDB) dB, recomputed \(expected.nmseDB) dB")
        }
        // The gain the network ended in, over the training points (all of them are the metric subset here).
        #expect(coherent.report.outputEnergyRatio == nil)
        let predicted = vp.model.network.predict(vp.train.positions).map(Double.init)
        let ratio = predicted.reduce(0) { $0 + $1 * $1 } / vp.train.channels.reduce(0) { $0 + $1 * $1 }
        let reported = try #require(vp.report.outputEnergyRatio)
        // Float32 predictions: OpenBLAS cuts a batch by thread count and CPU, so the trainer's pass and this one agree
        // to Float32 round-off, not to the last bits (1.4 × 10⁻⁹ apart on an AVX-512 machine).
        #expect(abs(reported / ratio - 1) < 1e-6, "energy ratio \(reported) reported, \(ratio) recomputed")
    }

    /// Variable-projection training is as deterministic as the plain one: both passes over a batch run in fixed
    /// slices summed in order, so 1 or 2 threads give bit-identical parameters.
    @Test func variableProjectionIsDeterministicAcrossThreadCounts() throws {
        let survey = NuisanceTrainingTests.survey(Self.impairments, count: 200, seed: 9, region: Self.region)
        let split = TrainingData.split(count: survey.count, validationFraction: 0.2, seed: 2)
        let tr = TrainingData(dataset: survey, indices: split.train)
        let va = TrainingData(dataset: survey, indices: split.validation, scale: tr.scale)
        func run(threads: Int) throws -> [Float] {
            var net = try Self.network(.rff, tr)
            var o = TrainingOptions()
            o.epochs = 3; o.batchSize = 32; o.threads = threads; o.nuisance = .phaseGainAndTiming; o.gaugeWeight = 0.1
            _ = NeuralTrainer.train(&net, train: tr, validation: va, options: o)
            return net.parameters.values
        }
        let a = try run(threads: 2), b = try run(threads: 1)
        #expect(a == b)
    }

    /// `csiloc train --model mlp|rff` and `--model inr --inr-start data` on an unsynchronised survey: no refusal; the
    /// file records the nuisance, its header validation figure is the invariant one (recomputed here on the same
    /// split), the decisions say how the network was fitted, and the stored scale gives the model the survey's mean
    /// energy on the training points.
    @Test func trainerFitsNetworksAloneToUnsynchronisedSurveys() throws {
        let survey = NuisanceTrainingTests.survey(Self.impairments, count: 300, seed: 7, region: Self.region)
        let split = TrainingData.split(count: survey.count, validationFraction: 0.1, seed: 1)
        let stride = survey.valuesPerSample
        func channels(_ idx: [Int]) -> [Double] {
            idx.flatMap { m in survey.csi[(m * stride)..<((m + 1) * stride)].map(Double.init) }
        }
        for (kind, start) in [(ModelTrainer.Kind.mlp, ModelTrainer.INRStart.fit), (.rff, .fit), (.inr, .data)] {
            var options = ModelTrainer.Options()
            options.kind = kind
            options.inrStart = start
            options.preset = .small
            options.maxEpochs = kind == .inr ? 2 : 10
            options.nuisance = .phaseGainAndTiming
            let file = try ModelTrainer(options: options).train(dataset: survey)
            #expect(file.header.kind == kind.rawValue)
            #expect(file.header.nuisance == "phase-gain-timing")
            #expect(
                file.header.decisions.contains { $0.contains("fitted by variable projection") },
                "\(file.header.decisions)")
            let loaded = try ModelLoader.model(of: file)
            let v = split.validation.map { survey.positions[$0] }
            let expected = ChannelError.measure(
                loaded, positions: v, reference: channels(split.validation), nuisance: .phaseGainAndTiming)
            #expect(
                abs(file.header.validation.nmseDB - expected.nmseDB) < 1e-9,
                "\(kind): header \(file.header.validation.nmseDB) dB, recomputed \(expected.nmseDB) dB")
            let t = split.train.map { survey.positions[$0] }
            let energy =
                loaded.channels(at: t).reduce(0) { $0 + $1 * $1 } / channels(split.train).reduce(0) { $0 + $1 * $1 }
            #expect(abs(decibels(energy)) < 0.01, "\(kind): model energy \(decibels(energy)) dB of the survey's")
        }
    }
}
