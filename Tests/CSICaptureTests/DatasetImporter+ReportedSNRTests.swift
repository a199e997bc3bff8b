import CSICapture
import CSIChannel
import CSINumerics
import CSIWire
import Foundation
import Testing

@Suite("Dataset import: reported SNR in the headers")
struct DatasetImporterReportedSNRTests {
    /// An independent count of the energies: signal S, prior noise S/prior, added noise (S + prior noise)/added.
    static func expected(added: Double, prior: Double?) -> Float {
        let signal = 1.0
        let noise0 = prior.map { signal / fromDecibels($0) } ?? 0
        let noise1 = (signal + noise0) / fromDecibels(added)
        return Float(decibels(signal / (noise0 + noise1)))
    }

    @Test("the header says the dataset's snr_db with the added noise counted in; NaN stays unknown")
    func headers() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var dataset = syntheticDataset(count: 4)
        // Nothing reported, nothing added: NaN (unknown).
        let plain = try decodeAll(try importCapture(dataset, to: "\(dir)/a.csicap", rate: 100) { _ in })
        #expect(plain.allSatisfy { $0.header.snrDb.isNaN })
        // Only added noise: its SNR.
        let added = try decodeAll(try importCapture(dataset, to: "\(dir)/b.csicap", rate: 100) { $0.snrDB = 15 })
        #expect(added.allSatisfy { abs($0.header.snrDb - 15) < 1e-4 })
        // Reports only: passed through; with added noise: combined.
        dataset.reportedSNRdB = [30, .nan, 12.5, 20]
        let reported = try decodeAll(try importCapture(dataset, to: "\(dir)/c.csicap", rate: 100) { _ in })
        #expect(reported[0].header.snrDb == 30 && reported[1].header.snrDb.isNaN)
        #expect(reported[2].header.snrDb == 12.5 && reported[3].header.snrDb == 20)
        let both = try decodeAll(try importCapture(dataset, to: "\(dir)/d.csicap", rate: 100) { $0.snrDB = 20 })
        for i in [0, 2, 3] {
            let want = Self.expected(added: 20, prior: dataset.reportedSNRdB![i])
            #expect(abs(both[i].header.snrDb - want) < 1e-4, "sample \(i): \(both[i].header.snrDb) vs \(want)")
        }
        #expect(both[1].header.snrDb.isNaN)
        // 20 dB on top of 20 dB: 3 dB worse, less the added noise's share of the noise itself.
        #expect(abs(both[3].header.snrDb - Float(decibels(1 / (0.01 + 1.01 / 100)))) < 1e-4)
    }

    @Test("a dataset with the wrong number of reports is refused")
    func wrongCount() {
        var dataset = syntheticDataset(count: 4)
        dataset.reportedSNRdB = [20, 20]
        #expect(throws: CaptureError.self) { _ = try DatasetImporter(dataset: dataset, options: .init()) }
    }
}
