import CSIChannel
import CSINumerics
import Dispatch

/// Per-sample regression targets for the branch outputs of an MB-INR (any subset), with weights. Used to
/// start the network near a known solution before end-to-end training (docs/method.md §16.1: from a standard
/// init the delays are far from the data and the model sits at 0 dB).
struct BranchTargets: Sendable {
    var positions: [Point3]
    /// τ_i(x)/delayScale targets and weights, count × D.
    var delay: [Double]?, delayWeight: [Double]?
    /// Direction targets μ_i(x) on the array basis and weights, count × D·P.
    var direction: [Double]?, directionWeight: [Double]?
    /// Curvature targets q_i(x)/curvatureScale (q ≈ 1/distance) and weights, count × D.
    var curvature: [Double]?, curvatureWeight: [Double]?
    /// Amplitude targets w_i(x) (network units) and weights, count × D.
    var amplitudeRe: [Double]?, amplitudeIm: [Double]?, amplitudeWeight: [Double]?

    init(positions: [Point3]) { self.positions = positions }
}

extension MBINR {
    /// Fits the branch outputs to `targets` by Adam on Σ weight·(output − target)² (mean over the batch).
    /// Batches are split in two slices computed on two threads (single-threaded OpenBLAS), summed in order.
    /// Returns the final epoch's mean loss per sample.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func fitBranches(
        _ targets: BranchTargets, epochs: Int, batchSize: Int = 256, learningRate: Double = 1e-3,
        seed: UInt64 = 1, threads: Int = Parallel.defaultWidth
    ) -> Double {
        let n = targets.positions.count
        guard n > 0, epochs > 0 else { return 0 }
        BLAS.setThreads(1)
        let batch = min(batchSize, n), steps = (n + batch - 1) / batch, shards = 2
        var adam = AdamOptimizer<Scalar>(
            parameterCount: parameters.count, learningRate: learningRate,
            finalLearningRate: learningRate / 10, totalSteps: epochs * steps)
        let grads = (0..<shards).map { _ in SharedBuffer<Scalar>(count: parameters.count) }
        let losses = SharedBuffer<Double>(count: shards)
        var total = [Scalar](repeating: 0, count: parameters.count)
        var lastLoss = 0.0
        for epoch in 0..<epochs {
            var order = Array(0..<n)
            var rng = SeededGenerator(seed: seed, stream: UInt64(epoch) &+ 0x4252_4E43) // "BRNC"
            order.shuffle(using: &rng)
            lastLoss = 0
            for s0 in Swift.stride(from: 0, to: n, by: batch) {
                let idx = Array(order[s0..<min(n, s0 + batch)]), nb = idx.count
                let bounds = (0...shards).map { $0 * nb / shards }
                let net = self
                let body: @Sendable (Int) -> Void = { s in
                    grads[s].buffer.update(repeating: 0)
                    losses.buffer[s] = net.branchLossGradient(
                        targets, indices: Array(idx[bounds[s]..<bounds[s + 1]]),
                        weight: 1 / Double(nb), grad: grads[s].buffer.baseAddress!)
                }
                if threads > 1 {
                    DispatchQueue.concurrentPerform(iterations: shards, execute: body)
                } else {
                    for s in 0..<shards { body(s) }
                }
                for i in total.indices { total[i] = grads[0].buffer[i] + grads[1].buffer[i] }
                lastLoss += losses.buffer[0] + losses.buffer[1]
                if atomTensor != nil, let a = parameters.entry("atoms.wavevector") {
                    for i in 0..<a.count { total[a.offset + i] = 0 } // keep the atoms fixed while fitting branches
                }
                adam.update(&parameters.values, gradient: total)
            }
            lastLoss /= Double(n)
        }
        return lastLoss
    }

    /// Σ weight·(output − target)² over the samples `indices` of `targets`, its gradient (times `weight`) added
    /// into `grad`.
    func branchLossGradient(
        _ targets: BranchTargets, indices idx: [Int], weight w: Double, grad: UnsafeMutablePointer<Scalar>
    ) -> Double {
        let nb = idx.count, d = atomCount, P = rank, dw = directionWidth
        guard nb > 0 else { return 0 }
        let pos = idx.map { targets.positions[$0] }
        let pass = pos.withUnsafeBufferPointer { forward($0, head: head) }
        var g = MBINRBranchGradients<Scalar>(batch: nb, atoms: d, directionWidth: dw)
        var loss = 0.0
        // Output rows have `stride` values; the target block starts at `offset` and has `width` values.
        func term(
            _ out: [Scalar], _ tgt: [Double]?, _ wt: [Double]?, width: Int, stride: Int, offset: Int = 0,
            into gr: inout [Scalar]
        ) {
            guard let tgt else { return }
            for (r, m) in idx.enumerated() {
                for c in 0..<width {
                    let o = r * stride + offset + c
                    let e = Double(out[o]) - tgt[m * width + c], k = wt?[m * width + c] ?? 1
                    loss += k * e * e
                    gr[o] = Scalar(2 * w * k * e)
                }
            }
        }
        let dirOut = pass.direction[pass.direction.count - 1]
        term(pass.delay[pass.delay.count - 1], targets.delay, targets.delayWeight, width: d, stride: d, into: &g.delay)
        term(dirOut, targets.direction, targets.directionWeight, width: d * P, stride: dw, into: &g.direction)
        if configuration.antennaCurvature {
            term(
                dirOut, targets.curvature, targets.curvatureWeight, width: d, stride: dw, offset: d * P,
                into: &g.direction)
        }
        term(pass.wRe, targets.amplitudeRe, targets.amplitudeWeight, width: d, stride: d, into: &g.wRe)
        term(pass.wIm, targets.amplitudeIm, targets.amplitudeWeight, width: d, stride: d, into: &g.wIm)
        pos.withUnsafeBufferPointer { branchBackward(pass, g, positions: $0, grad: grad) }
        return loss
    }

    /// Each atom's own propagation direction projected on the array basis (D·P): the direction-branch start.
    var atomOwnDirections: [Double] {
        let dirs = configuration.atomDirections
        return dirs.flatMap { u in configuration.geometry.arrayBasis.map { u.dot($0) } }
    }
}

extension MBINR {
    /// Ĥ assembled directly from branch values (bypassing the MLPs): what the network would output if its branches
    /// met `targets` exactly. Measures the architecture's floor for a given physics decomposition (e.g. the
    /// far-field antenna atoms) independently of training. Output layout as `predict`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func synthesise(_ targets: BranchTargets) -> [Scalar] {
        let n = atomCount, P = rank, dirW = directionWidth, nb = targets.positions.count
        let geo = configuration.geometry, nd = geo.inputDimensions, kappa = atoms()
        var dir = [Scalar](repeating: 0, count: nb * dirW), del = [Scalar](repeating: 0, count: nb * n)
        var wr = del, wi = del, psr = del, psi = del, vr = del, vi = del
        for b in 0..<nb {
            for i in 0..<n {
                let v = b * n + i
                for q in 0..<P { dir[b * dirW + i * P + q] = Scalar(targets.direction?[v * P + q] ?? 0) }
                if configuration.antennaCurvature { dir[b * dirW + n * P + i] = Scalar(targets.curvature?[v] ?? 0) }
                del[v] = Scalar(targets.delay?[v] ?? 0)
                wr[v] = Scalar(targets.amplitudeRe?[v] ?? 0); wi[v] = Scalar(targets.amplitudeIm?[v] ?? 0)
                var dot = 0.0
                let x = targets.positions[b] - geo.origin
                for c in 0..<nd { dot += kappa[i * nd + c] * x[c] }
                let (sn, cs) = sinCos(-geo.wavenumber * dot)
                psr[v] = Scalar(cs); psi[v] = Scalar(sn)
                vr[v] = wr[v] * psr[v] - wi[v] * psi[v]; vi[v] = wr[v] * psi[v] + wi[v] * psr[v]
            }
        }
        var pass = MBINRPass<Scalar>(
            batch: nb, antennas: head.antennaCount, subcarriers: head.subcarrierCount, input: [],
            amplitude: [], direction: [dir], delay: [del], gates: [], wRe: wr, wIm: wi, psiRe: psr,
            psiIm: psi, varpiRe: vr, varpiIm: vi, aRe: [], aIm: [], mRe: [], mIm: [], fRe: [], fIm: [],
            hRe: [], hIm: [])
        assembleAtoms(&pass, head: head)
        assembleOutput(&pass)
        var out = [Scalar](repeating: 0, count: 2 * pass.hRe.count)
        out.withUnsafeMutableBufferPointer {
            interleave(re: pass.hRe, im: pass.hIm, count: pass.hRe.count, into: $0.baseAddress!)
        }
        return out
    }
}
