import CSIChannel
import CSINumerics

extension TrainingData {
    /// Targets for training a network on the residual of `base`: scale·H − scale·base(x), same layout as
    /// `channels`. The final model is then `NeuralChannelModel(network:scale:base:)` = base + network/scale.
    func residualTargets(base: some ChannelModel) -> [Double] {
        precondition(base.valuesPerChannel == valuesPerSample, "base model has another antenna/subcarrier layout")
        var out = base.channels(at: positions)
        for i in out.indices { out[i] = channels[i] - scale * out[i] }
        return out
    }
}
