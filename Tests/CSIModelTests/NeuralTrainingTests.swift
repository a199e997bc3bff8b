import CSIChannel
import CSINumerics
import Testing

@testable import CSIModel

/// Training behaviour on tiny problems: the MB-INR fits a dense line-of-sight patch, training is
/// deterministic for a seed (whatever the thread count), and saved tensors rebuild the same network.
@Suite(.serialized) struct NeuralTrainingTests {
    /// tiny-los.yaml: 4 antennas, 4 subcarriers over 40 MHz, BS at (−4, 0, 2), UE plane z = 0, 1 m × 1 m.
    static func tinyData(count: Int, seed: UInt64 = 1) -> TrainingData {
        let lambda = speedOfLight / 3.5e9
        let scene = Scene(
            name: "tiny-los",
            array: .ula(count: 4, spacing: lambda / 2, center: Point3(-4, 0, 2), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 4),
            ueRegion: Region(x: -0.5...0.5, y: -0.5...0.5, z: 0...0))
        let sim = ChannelSimulator(scene: scene)
        let pos = PositionSampler.uniform(in: scene.ueRegion, count: count, seed: seed)
        let csi = sim.channels(at: pos).map { Float($0) }
        let ds = CSIDataset(
            positions: pos, csi: csi, frequencies: sim.frequencies, antennas: sim.antennaPositions,
            carrier: scene.subcarriers.carrier)
        return TrainingData(dataset: ds)
    }

    static func smallConfig(_ data: TrainingData, atoms: Int = 24, width: Int = 16) -> MBINRConfiguration {
        MBINRConfiguration(
            geometry: NeuralGeometry(data: data), atomCount: atoms, rings: [1, 0.9],
            amplitudeWidths: [width, width], directionWidths: [width], delayWidths: [width])
    }

    @Test func mbinrFitsDenseLineOfSightPatch() throws {
        let data = Self.tinyData(count: 1400) // ≈ 10 samples per λ²
        let (train, val) = TrainingData.split(count: data.count, validationFraction: 0.15, seed: 1)
        var net = try MBINR<Float>(configuration: Self.smallConfig(data, atoms: 64, width: 48), seed: 1)
        let trainPos = train.map { data.positions[$0] }
        let trainCh = train.flatMap { m in data.channels[(m * data.valuesPerSample)..<((m + 1) * data.valuesPerSample)]
        }
        net.prefitDelays(positions: trainPos, channels: trainCh, perAtom: false, epochs: 5)
        var o = TrainingOptions()
        o.epochs = 60; o.batchSize = 128; o.learningRate = 3e-3; o.validationInterval = 5
        let report = NeuralTrainer.train(&net, data: data, training: train, validation: val, options: o)
        print(
            "tiny LoS:", report.validationNMSE, "train", report.trainNMSE, "epochs", report.epochsRun, "s",
            report.seconds)
        #expect(report.validationNMSE.meanDB < -25)
    }

    /// The physics warm start: exact targets are consistent with the architecture (floor < −35 dB) and a short
    /// branch fit moves the network from ≈ 0 dB to well below it, before any end-to-end training.
    @Test func physicsWarmStartReproducesLineOfSight() throws {
        let lambda = speedOfLight / 3.5e9
        let scene = Scene(
            name: "tiny-los",
            array: .ula(count: 4, spacing: lambda / 2, center: Point3(-4, 0, 2), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 4),
            ueRegion: Region(x: -0.5...0.5, y: -0.5...0.5, z: 0...0))
        let data = Self.tinyData(count: 600)
        var net = try MBINR<Float>(configuration: Self.smallConfig(data, atoms: 32, width: 24), seed: 2)
        let sim = ChannelSimulator(scene: scene)
        let floor = NMSE.between(
            net.synthesise(net.physicsTargets(sim, positions: data.positions, scale: data.scale)).map { Double($0) },
            data.channels, stride: data.valuesPerSample)
        #expect(floor.meanDB < -35, "architecture floor for exact LoS targets: \(floor.meanDB) dB")
        let before = NMSE.between(
            net.predict(data.positions).map { Double($0) }, data.channels, stride: data.valuesPerSample)
        net.warmStart(from: sim, positions: data.positions, scale: data.scale, epochs: 60, batchSize: 64)
        let after = NMSE.between(
            net.predict(data.positions).map { Double($0) }, data.channels, stride: data.valuesPerSample)
        // A short branch fit only: the point is the start, end-to-end training does the rest.
        #expect(before.meanDB > -3, "before the warm start: \(before.meanDB) dB")
        #expect(after.meanDB < -6, "after the warm start: \(after.meanDB) dB")
    }

    /// base + network/scale as a ChannelModel: values and Jacobians add up; a residual network trained on
    /// `residualTargets` of the exact simulator only has to learn zero.
    @Test func residualCompositeAddsBaseAndNetwork() throws {
        let data = Self.tinyData(count: 20)
        let sim = ChannelSimulator(
            scene: Scene(
                name: "t",
                array: .ula(
                    count: 4, spacing: speedOfLight / 7e9, center: Point3(-4, 0, 2),
                    axis: Point3(0, 1, 0)),
                subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 40e6, count: 4),
                ueRegion: Region(x: -0.5...0.5, y: -0.5...0.5, z: 0...0)))
        let residual = data.residualTargets(base: sim)
        #expect(residual.map(abs).max()! < 1e-5) // the data came from this simulator (complex64 rounding only)
        let net = try MBINR<Double>(configuration: Self.smallConfig(data), seed: 1)
        let model = NeuralChannelModel(network: net, scale: data.scale, base: sim)
        let x = data.positions[3]
        let (v, j) = model.channelAndJacobian(at: x)
        let (bv, bj) = sim.channelAndJacobian(at: x)
        let (nv, nj) = net.predictWithJacobian(at: x)
        for i in v.indices { #expect(abs(v[i] - (bv[i] + nv[i] / data.scale)) < 1e-12 * max(1, abs(v[i]))) }
        for i in j.indices { #expect(abs(j[i] - (bj[i] + nj[i] / data.scale)) < 1e-9 * max(1, abs(j[i]))) }
        let batch = model.channels(at: [x])
        for i in v.indices { #expect(abs(batch[i] - v[i]) < 1e-12 * max(1, abs(v[i]))) }
    }

    @Test func memorisationWarningFiresOnLargeGap() {
        var r = TrainingReport(
            stop: .epochs, epochsRun: 1, bestEpoch: 1, seconds: 1,
            trainNMSE: NMSE(meanDB: -30, ratioOfSumsDB: -30, count: 10),
            validationNMSE: NMSE(meanDB: -5, ratioOfSumsDB: -5, count: 10), samplesPerSquareWavelength: 1.1)
        #expect(r.memorisationWarning?.contains("memorisation") == true)
        r.validationNMSE = NMSE(meanDB: -25, ratioOfSumsDB: -25, count: 10)
        #expect(r.memorisationWarning == nil)
        // …and when the gap opens after the best-validation epoch.
        r.lastTrainNMSE = NMSE(meanDB: -40, ratioOfSumsDB: -40, count: 10)
        r.lastValidationNMSE = NMSE(meanDB: -20, ratioOfSumsDB: -20, count: 10)
        #expect(r.memorisationWarning?.contains("gap 20.0 dB") == true)
    }

    @Test func trainingIsDeterministicAcrossThreadCounts() throws {
        let data = Self.tinyData(count: 300)
        let (train, val) = TrainingData.split(count: data.count, validationFraction: 0.2, seed: 2)
        func run(threads: Int) throws -> [Float] {
            var net = try MBINR<Float>(configuration: Self.smallConfig(data), seed: 5)
            var o = TrainingOptions()
            o.epochs = 3; o.batchSize = 64; o.threads = threads; o.seed = 9
            _ = NeuralTrainer.train(&net, data: data, training: train, validation: val, options: o)
            return net.parameters.values
        }
        let a = try run(threads: 2), b = try run(threads: 2), c = try run(threads: 1)
        #expect(a == b)
        #expect(a == c)
    }

    @Test func tensorsRebuildBitIdenticalNetworks() throws {
        let data = Self.tinyData(count: 50)
        let mb = try MBINR<Float>(
            configuration: {
                var c = Self.smallConfig(data); c.learnableAtoms = true; return c
            }(), seed: 3)
        let mb2 = try NeuralArchitecture.mbinr(mb.configuration).makeNetwork(tensors: mb.parameters.tensors)
        #expect(mb.predict(data.positions) == (mb2 as! MBINR<Float>).predict(data.positions))
        let g = NeuralGeometry(data: data)
        for cfg in [NeuralPreset.small.mlp(geometry: g), NeuralPreset.small.rff(geometry: g)] {
            let net = try FieldMLP<Float>(configuration: cfg, seed: 4)
            let rebuilt = try FieldMLP<Float>(configuration: cfg, tensors: net.parameters.tensors)
            #expect(net.predict(data.positions) == rebuilt.predict(data.positions))
        }
        #expect(throws: NeuralModelError.self) {
            _ = try MBINR<Float>(
                configuration: Self.smallConfig(data), tensors: Array(mb.parameters.tensors.dropFirst()))
        }
    }
}
