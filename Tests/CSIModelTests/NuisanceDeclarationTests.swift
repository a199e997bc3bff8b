import Testing

@testable import CSIChannel
@testable import CSIModel

/// Which per-frame unknowns training uses: the option, else the dataset's declaration, else detection.
@Suite struct NuisanceDeclarationTests {
    /// A dense patch (2 000 points on 0.5 m × 0.5 m) where the detector decides; `phase` adds a random common
    /// phase per frame.
    static func survey(phase: Bool, declaring declared: NuisanceModel?) -> CSIDataset {
        var impairments = Impairments()
        impairments.randomCommonPhase = phase
        var data = NuisanceTrainingTests.survey(
            impairments, count: 2000, seed: phase ? 41 : 42,
            region: Region(x: -0.25...0.25, y: -0.25...0.25, z: 1...1))
        data.declaredNuisance = declared
        return data
    }

    static func resolve(_ data: CSIDataset, option: NuisanceModel? = nil) -> (NuisanceModel, [String]) {
        var options = ModelTrainer.Options()
        options.nuisance = option
        var lines: [String] = []
        let nuisance = ModelTrainer(options: options).resolveNuisance(data, log: { lines.append($0) })
        return (nuisance, lines)
    }

    @Test func optionThenDeclarationThenDetection() {
        let phased = Self.survey(phase: true, declaring: nil)
        // Nothing declared: detection.
        let (detected, detectedLog) = Self.resolve(phased)
        #expect(detected == .phaseAndGain)
        #expect(
            detectedLog.count == 1 && detectedLog[0].hasPrefix("train: nuisance: auto → phase-gain — "),
            "\(detectedLog)")
        // Declared: followed, even beyond what the survey shows (a timing offset the detector does not see).
        var declared = phased
        declared.declaredNuisance = .phaseGainAndTiming
        let (followed, followedLog) = Self.resolve(declared)
        #expect(followed == .phaseGainAndTiming)
        #expect(followedLog.first == "train: nuisance: phase-gain-timing (declared by the dataset)")
        #expect(
            followedLog.count == 2 && followedLog[1].hasPrefix("train: nuisance: the survey shows phase-gain — "),
            "\(followedLog)")
        #expect(!followedLog.contains { $0.contains("WARNING") })
        // The option beats the declaration, without looking at the survey.
        let (given, givenLog) = Self.resolve(declared, option: NuisanceModel.none)
        #expect(given == NuisanceModel.none && givenLog == ["train: nuisance: none (given)"])
    }

    /// A declaration the survey clearly contradicts (no unknowns declared, a random phase seen) is followed with a
    /// warning naming both and the way out; one the survey agrees with gets none.
    @Test func contradictedDeclarationIsFollowedWithAWarning() {
        let (nuisance, log) = Self.resolve(Self.survey(phase: true, declaring: NuisanceModel.none))
        #expect(nuisance == NuisanceModel.none)
        #expect(log.first == "train: nuisance: none (declared by the dataset)")
        let warning = log.first {
            $0.hasPrefix("train: WARNING: the dataset declares nuisance none, but the survey shows phase-gain — ")
        }
        #expect(
            warning?.hasSuffix(
                "following the declaration (train with --nuisance phase-gain if the declaration is wrong)") == true,
            "\(log)")

        let (coherent, coherentLog) = Self.resolve(Self.survey(phase: false, declaring: NuisanceModel.none))
        #expect(coherent == NuisanceModel.none)
        #expect(
            coherentLog.count == 2 && coherentLog[1].hasPrefix("train: nuisance: the survey shows none — "),
            "\(coherentLog)")
    }
}
