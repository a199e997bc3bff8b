public import CSIChannel
public import CSIModel
import CSINumerics
import CSISearch

/// The localizer run on a model's own validation samples at the end of training: where its fixes are gross errors,
/// the model cannot be trusted (the quality map's `ambiguity`, docs/model.md "Quality map"). Plugged into
/// `ModelTrainer.Options.localizeValidation` by `csiloc train` and the demo.
public enum QualityCalibration {
    /// Localizes `channels` (raw units, 2·Na·Ns Doubles per sample) with the model of `file` as a daemon serving it
    /// would by default: the `robust` method with the model's nuisance, over its training region, noise estimated.
    static func localize(
        file: ModelFile, positions: [Point3], channels: [Double], width: Int = Parallel.defaultWidth
    ) throws -> [Point3] {
        let model = try ModelLoader.model(of: file)
        let nuisance = file.header.trainingNuisance ?? .none
        let localizer = try Localizer(
            validating: model, region: file.header.trainingRegion,
            configuration: SearchMethod.robust.configuration(nuisance: nuisance), width: width)
        let stride = model.valuesPerChannel
        precondition(channels.count >= positions.count * stride, "channels too short")
        var fixes = [Point3](repeating: .zero, count: positions.count)
        fixes.withUnsafeMutableBufferPointer { fb in
            nonisolated(unsafe) let fb = fb
            Parallel.forEachChunk(count: positions.count, width: width, minChunk: 4) { range in
                var scratch = localizer.makeScratch()
                channels.withUnsafeBufferPointer { c in
                    for i in range {
                        fb[i] =
                            localizer.localize(
                                UnsafeBufferPointer(rebasing: c[(i * stride)..<((i + 1) * stride)]), scratch: &scratch
                            ).position
                    }
                }
            }
        }
        return fixes
    }

    /// The hook for `ModelTrainer.Options.localizeValidation`.
    public static func hook(width: Int) -> @Sendable (ModelFile, [Point3], [Double]) throws -> [Point3] {
        { file, positions, channels in try localize(file: file, positions: positions, channels: channels, width: width)
        }
    }
}
