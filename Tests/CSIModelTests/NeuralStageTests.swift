import Foundation
import Testing

@testable import CSIModel

@Suite struct NeuralStageTests {
    /// The "survey more densely" hint appears only when the residual network gained < 1 dB on a survey sparser than
    /// the density it was measured to need, and it names both figures.
    @Test func densityHintOnlyForAWeakNetworkOnASparseSurvey() throws {
        let need = NeuralStage.residualDensity
        let hint = try #require(NeuralStage.residualDensityHint(gainDB: 0.3, density: need / 2))
        #expect(hint.contains("0.3 dB") && hint.contains(String(format: "%.2f", need / 2)))
        #expect(NeuralStage.residualDensityHint(gainDB: 0.3, density: need * 1.1) == nil)
        #expect(NeuralStage.residualDensityHint(gainDB: 2.5, density: need / 2) == nil)
        #expect(NeuralStage.residualDensityHint(gainDB: .nan, density: need / 2) == nil)
    }
}
