import CSINumerics
import Foundation
import NumpyArchive
import Testing

@testable import CSIChannel

/// A dataset's optional `snr_db` key (the SNR the receiver reported per frame): written, read back, refused.
@Suite struct ReportedSNRDatasetTests {
    static func dataset(reporting snr: [Double]? = nil) -> CSIDataset {
        var d = DeclaredNuisanceTests.dataset()
        d.reportedSNRdB = snr
        return d
    }

    /// Equal, NaN (unknown) included.
    static func same(_ a: [Double]?, _ b: [Double]?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    @Test func reportedSNRsAreWrittenAndReadBack() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let snr: [Double] = (0..<30).map { (i: Int) -> Double in i % 7 == 3 ? .nan : 5 + 0.5 * Double(i) }
        let path = dir.appendingPathComponent("snr.npz").path
        try Self.dataset(reporting: snr).write(to: path)
        #expect(
            try NPZArchive(path: path).keys == ["positions", "csi", "frequencies", "antennas", "carrier", "snr_db"])
        #expect(Self.same(try CSIDataset.load(contentsOf: path).reportedSNRdB, snr))
        // Without reports the file has no key (byte-identical to one written before the key existed).
        let plain = dir.appendingPathComponent("plain.npz").path
        try Self.dataset().write(to: plain)
        #expect(try CSIDataset.load(contentsOf: plain).reportedSNRdB == nil)
        #expect(!(try NPZArchive(path: plain).keys.contains("snr_db")))
    }

    @Test func infiniteOrMisshapenReportsAreRefusedNamingTheKey() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.npz").path
        let data = Self.dataset()
        var values = [Double](repeating: 20, count: data.count)
        values[4] = .infinity
        try DeclaredNuisanceTests.write(data, to: path) { try $0.write(name: "snr_db", doubles: values, shape: [30]) }
        #expect {
            _ = try CSIDataset.load(contentsOf: path)
        } throws: { error in
            "\(error)" == "\(path): key 'snr_db': expected finite SNRs in dB or NaN (unknown), found inf in sample 4"
        }
        try DeclaredNuisanceTests.write(data, to: path) {
            try $0.write(name: "snr_db", doubles: [Double](repeating: 20, count: 29), shape: [29])
        }
        #expect(throws: NPZError.self) { _ = try CSIDataset.load(contentsOf: path) }
        #expect {
            _ = try CSIDataset.load(contentsOf: path)
        } throws: { error in "\(error)".contains("snr_db") }
        // The writer refuses a count that does not match the positions.
        #expect(throws: NPZError.self) { try Self.dataset(reporting: [20, 20]).write(to: path) }
    }
}

/// What a frame reports once noise is added (`ReportedSNR.afterAdding`), against a count of the energies.
@Suite struct ReportedSNRAfterAddingTests {
    @Test func addedNoiseIsCountedIn() {
        for (added, prior) in [(20.0, nil), (5, nil), (20, 20.0), (10, 30), (30, -5)] as [(Double, Double?)] {
            let signal = 1.0, noise0 = prior.map { signal / fromDecibels($0) } ?? 0
            let noise1 = (signal + noise0) / fromDecibels(added)
            let want = decibels(signal / (noise0 + noise1))
            let got = ReportedSNR.afterAdding(added, to: prior)
            #expect(abs(got - want) < 1e-5, "\(added) on \(String(describing: prior)): \(got) vs \(want)")
            #expect(got == Double(Float(got)))
        }
        #expect(ReportedSNR.afterAdding(20, to: .nan).isNaN)
        #expect(ReportedSNR.accepted(-30) == -30 && ReportedSNR.accepted(90) == 90)
        #expect(
            ReportedSNR.accepted(90.001) == nil && ReportedSNR.accepted(.nan) == nil && ReportedSNR.accepted(nil) == nil
        )
    }
}
