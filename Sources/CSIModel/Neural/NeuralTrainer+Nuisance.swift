import CSIChannel
import CSINumerics
import Dispatch

/// Variable-projection training on unsynchronised surveys (docs/model-neural.md, "Unsynchronised surveys").
///
/// Each frame H_i is known only up to a complex gain α_i (and a timing offset τ_i), so a sample costs
///
///   L_i(θ) = min_{α,τ} ‖H_i − α D(τ) f_θ(x_i)‖²   (α in closed form, τ by grid + Newton: `NuisanceMatch`).
///
/// By the envelope theorem its gradient is that of ‖H_i − α_i D(τ_i) f‖² = |α_i|²·‖f − H̃_i‖² at the optimal
/// (α_i, τ_i) held fixed, H̃_i = D(τ_i)^* H_i / α_i the aligned frame: ∇_f L_i = 2|α_i|²(f_i − H̃_i). The cost does
/// not see the model's gain. An optional gauge penalty on each batch, γ·Q·(F/P − 1)² with F = Σ_b ‖f_b‖²,
/// P = Σ_b ‖H_b‖² (Q = P, or the batch size with per-sample normalisation, so that it weighs like one sample's cost
/// per sample), holds the model's mean energy at the survey's; its gradient is 4γQ(F/P − 1)/P · f_b. (It is off by
/// default: measured, it costs accuracy; `ModelTrainer` fixes the gain after training from
/// `TrainingReport.outputEnergyRatio` instead.) With g_b the sum of both
/// gradients, the networks' own `accumulateGradient` toward the pseudo-targets T_b = f_b − g_b/2 yields exactly
/// Σ_b g_b·∂f_b/∂θ (∂‖f − T‖²/∂f = 2(f − T) = g at the current θ), so no network needs a nuisance-aware backward
/// pass. A batch is therefore done in two passes over its slices: predict and match (per-sample parts of T, sums
/// for the penalty), then backpropagate.
extension NeuralTrainer {
    /// The variable-projection settings of `TrainingOptions`.
    struct NuisanceLoss: Sendable {
        var nuisance: NuisanceModel
        /// γ of the gauge penalty (applied only with a nuisance).
        var gaugeWeight: Double
        /// Weight each sample by 1/‖H_i‖² instead of 1.
        var normalisePerSample: Bool

        init(nuisance: NuisanceModel, gaugeWeight: Double, normalisePerSample: Bool) {
            self.nuisance = nuisance; self.gaugeWeight = gaugeWeight; self.normalisePerSample = normalisePerSample
        }
        init(_ o: TrainingOptions) {
            self.init(nuisance: o.nuisance, gaugeWeight: o.gaugeWeight, normalisePerSample: o.normalisePerSample)
        }

        /// The gauge penalty of a batch and the factor ρ of its pseudo-target term (T −= ρ·f).
        func gauge(_ s: SliceSums) -> (penalty: Double, rho: Double) {
            guard nuisance != .none, gaugeWeight > 0, s.surveyEnergy > 0 else { return (0, 0) }
            let q = normalisePerSample ? Double(s.count) : s.surveyEnergy, r = s.modelEnergy / s.surveyEnergy
            return (gaugeWeight * q * (r - 1) * (r - 1), 2 * gaugeWeight * q * (r - 1) / s.surveyEnergy)
        }
    }

    /// Scratch space of one slice of a batch: the matcher, one prediction and its aligned frame in Float64, and the
    /// slice's predictions, pseudo-targets without the gauge term (Float64) and pseudo-targets. Allocated once per
    /// training run; nothing is allocated per sample (the network's own passes allocate per slice, as without a
    /// nuisance).
    final class NuisanceWorkspace<Scalar: NeuralScalar>: @unchecked Sendable {
        var match: NuisanceMatch
        let f: UnsafeMutableBufferPointer<Double>, aligned: UnsafeMutableBufferPointer<Double>
        let prediction: UnsafeMutableBufferPointer<Scalar>, partial: UnsafeMutableBufferPointer<Double>
        let pseudoTargets: UnsafeMutableBufferPointer<Scalar>
        let stride: Int
        /// What `prepare` found for the slice in it.
        var sums = SliceSums()

        init(geometry: NeuralGeometry, nuisance: NuisanceModel, capacity: Int) {
            stride = 2 * geometry.antennas.count * geometry.frequencies.count
            match = geometry.nuisanceMatch(nuisance)
            let n = max(1, capacity) * stride
            f = .allocate(capacity: stride); f.initialize(repeating: 0)
            aligned = .allocate(capacity: stride); aligned.initialize(repeating: 0)
            prediction = .allocate(capacity: n); prediction.initialize(repeating: 0)
            partial = .allocate(capacity: n); partial.initialize(repeating: 0)
            pseudoTargets = .allocate(capacity: n); pseudoTargets.initialize(repeating: 0)
        }

        deinit {
            f.deallocate(); aligned.deallocate(); prediction.deallocate(); partial.deallocate();
            pseudoTargets.deallocate()
        }
    }

    /// Sums over a slice (or a batch): samples, Σ L_i, Σ w_i L_i, Σ ‖f_i‖², Σ ‖H_i‖².
    struct SliceSums: Sendable {
        var count = 0
        var cost = 0.0, weightedCost = 0.0, modelEnergy = 0.0, surveyEnergy = 0.0

        static func + (a: SliceSums, b: SliceSums) -> SliceSums {
            SliceSums(
                count: a.count + b.count, cost: a.cost + b.cost, weightedCost: a.weightedCost + b.weightedCost,
                modelEnergy: a.modelEnergy + b.modelEnergy, surveyEnergy: a.surveyEnergy + b.surveyEnergy)
        }
    }

    /// A batch's Σ_i L_i (the variable-projection cost, unweighted) and objective Σ_i w_i L_i + gauge penalty (whose
    /// gradient was accumulated, before the batch weight).
    struct NuisanceSums: Sendable {
        var cost = 0.0, objective = 0.0
    }

    /// Pass 1 over a slice: predicts it, finds each sample's α_i, τ_i and writes f − w|α|²(f − H̃) into `partial`
    /// (w_i = 1 or 1/‖H_i‖²); leaves the sums in `ws.sums`.
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func prepareSlice<N: NeuralField>(
        _ net: N, positions: UnsafeBufferPointer<Point3>, channels: UnsafePointer<Double>,
        loss: NuisanceLoss, workspace ws: NuisanceWorkspace<N.Scalar>
    ) {
        let nb = positions.count, st = ws.stride
        precondition(ws.prediction.count >= nb * st, "workspace too small for the slice")
        var sums = SliceSums(count: nb)
        defer { ws.sums = sums }
        guard nb > 0 else { return }
        net.predict(positions, into: ws.prediction.baseAddress!)
        let f = ws.f, aligned = ws.aligned, y = ws.prediction, partial = ws.partial
        for b in 0..<nb {
            var ff = 0.0
            for t in 0..<st { let v = Double(y[b * st + t]); f[t] = v; ff += v * v }
            ws.match.load(UnsafeBufferPointer(start: channels + b * st, count: st))
            let p = ws.match.energy
            let fit = ws.match.evaluate(f.baseAddress!)
            let w = loss.normalisePerSample ? (p > 0 ? 1 / p : 0) : 1
            let a2 = fit.alpha.re * fit.alpha.re + fit.alpha.im * fit.alpha.im
            // (∇_f w L)/2 = w|α|²(f − H̃); zero where the model or the frame is zero (no α).
            let vp = a2.isFinite && a2 > 0 && ff > 0 ? w * a2 : 0
            if vp > 0 {
                ws.match.align(alpha: fit.alpha, tau: fit.tau, into: aligned.baseAddress!)
                for t in 0..<st { partial[b * st + t] = f[t] - vp * (f[t] - aligned[t]) }
            } else {
                for t in 0..<st { partial[b * st + t] = f[t] }
            }
            sums.cost += fit.cost; sums.weightedCost += w * fit.cost
            sums.modelEnergy += ff; sums.surveyEnergy += p
        }
    }

    /// Pass 2 over a slice: pseudo-targets T = partial − ρ·f, then `weight`·∂/∂θ Σ‖f − T‖² into `gradient`.
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func finishSlice<N: NeuralField>(
        _ net: N, positions: UnsafeBufferPointer<Point3>, rho: Double, weight: N.Scalar,
        workspace ws: NuisanceWorkspace<N.Scalar>, gradient: UnsafeMutablePointer<N.Scalar>
    ) {
        let n = positions.count * ws.stride
        guard n > 0 else { return }
        let y = ws.prediction, partial = ws.partial, targets = ws.pseudoTargets
        for i in 0..<n { targets[i] = N.Scalar(partial[i] - rho * Double(y[i])) }
        _ = net.accumulateGradient(
            positions, targets: UnsafePointer(targets.baseAddress!), weight: weight, gradient: gradient)
    }

    /// `shardedGradient` for the variable-projection loss: the batch's slices on worker threads (each with its own
    /// workspace), both passes, gradients summed in slice order (deterministic whatever `threads` is).
    @_specialize(where N == MBINR<Float>)
    @_specialize(where N == FieldMLP<Float>)
    static func shardedNuisanceGradient<N: NeuralField>(
        _ net: N, positions: SharedBuffer<Point3>, channels: SharedBuffer<Double>,
        count nb: Int, stride: Int, loss: NuisanceLoss, threads: Int,
        workspaces: [NuisanceWorkspace<N.Scalar>], grads: [SharedBuffer<N.Scalar>],
        total: inout [N.Scalar]
    ) -> NuisanceSums {
        let shards = workspaces.count
        let weight = N.Scalar(1) / N.Scalar(nb)
        let bounds = (0...shards).map { $0 * nb / shards }
        @Sendable func slice(_ s: Int) -> UnsafeBufferPointer<Point3> {
            UnsafeBufferPointer(rebasing: positions.buffer[bounds[s]..<bounds[s + 1]])
        }
        let prepare: @Sendable (Int) -> Void = { s in
            prepareSlice(
                net, positions: slice(s), channels: channels.buffer.baseAddress! + bounds[s] * stride, loss: loss,
                workspace: workspaces[s])
        }
        let parallel = threads > 1 && shards > 1
        forEachShard(shards, parallel: parallel, prepare)
        let sums = workspaces.dropFirst().reduce(workspaces[0].sums) { $0 + $1.sums }
        let (penalty, rho) = loss.gauge(sums)
        let finish: @Sendable (Int) -> Void = { s in
            let g = grads[s].buffer
            g.update(repeating: 0)
            finishSlice(
                net, positions: slice(s), rho: rho, weight: weight, workspace: workspaces[s], gradient: g.baseAddress!)
        }
        forEachShard(shards, parallel: parallel, finish)
        sumShards(grads, count: shards, into: &total)
        return NuisanceSums(cost: sums.cost, objective: sums.weightedCost + penalty)
    }

    /// The variable-projection objective Σ_i w_i L_i + γQ(F/P − 1)² of `net` on `positions` (one batch) against
    /// `channels` (Float64), its gradient (`weight`·∂/∂θ) and Σ_i L_i, as one training batch computes them. For checks
    /// and experiments; the trainer uses the sharded form.
    static func nuisanceLossAndGradient<N: NeuralField>(
        _ net: N, positions: [Point3], channels: [Double],
        nuisance: NuisanceModel, gaugeWeight: Double = TrainingOptions().gaugeWeight,
        normalisePerSample: Bool = false, weight: N.Scalar = 1
    )
        -> (cost: Double, objective: Double, gradient: [N.Scalar])
    {
        precondition(channels.count == positions.count * net.valuesPerChannel, "channels do not match positions")
        let loss = NuisanceLoss(nuisance: nuisance, gaugeWeight: gaugeWeight, normalisePerSample: normalisePerSample)
        let ws = NuisanceWorkspace<N.Scalar>(geometry: net.geometry, nuisance: nuisance, capacity: positions.count)
        var g = [N.Scalar](repeating: 0, count: net.parameters.count)
        positions.withUnsafeBufferPointer { p in
            channels.withUnsafeBufferPointer {
                prepareSlice(net, positions: p, channels: $0.baseAddress!, loss: loss, workspace: ws)
            }
            let (_, rho) = loss.gauge(ws.sums)
            g.withUnsafeMutableBufferPointer {
                finishSlice(net, positions: p, rho: rho, weight: weight, workspace: ws, gradient: $0.baseAddress!)
            }
        }
        return (ws.sums.cost, ws.sums.weightedCost + loss.gauge(ws.sums).penalty, g)
    }
}

extension NeuralGeometry {
    /// A matcher for this network's channels, timing referred to the mean subcarrier frequency (as
    /// `NuisanceMatch(model:nuisance:)` does for the `ChannelModel` the network becomes).
    func nuisanceMatch(_ nuisance: NuisanceModel) -> NuisanceMatch {
        NuisanceMatch(
            frequencies: frequencies, antennas: antennas.count,
            reference: frequencies.reduce(0, +) / Double(max(frequencies.count, 1)), nuisance: nuisance)
    }
}
