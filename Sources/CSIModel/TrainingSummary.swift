import CSIChannel
import CSINumerics
import Foundation

extension ModelHeader.TrainingInfo {
    /// Describes the training set: bounds, common height, digest of its content, sample density.
    init(dataset: CSIDataset, seed: UInt64, seconds: Double) {
        let ps = dataset.positions
        var lo: [Double] = [.infinity, .infinity, .infinity], hi: [Double] = [-.infinity, -.infinity, -.infinity]
        for p in ps { for c in 0..<3 { lo[c] = Swift.min(lo[c], p[c]); hi[c] = Swift.max(hi[c], p[c]) } }
        if ps.isEmpty { lo = [0, 0, 0]; hi = [0, 0, 0] }
        var sha = SHA256()
        sha.update(values: ps.flatMap { [$0.x, $0.y, $0.z] })
        sha.update(values: dataset.csi)
        sha.update(values: dataset.frequencies)
        sha.update(values: dataset.antennas.flatMap { [$0.x, $0.y, $0.z] })
        let digest = sha.finalize().map { String(format: "%02x", $0) }.joined()
        let lambda = speedOfLight / dataset.carrier
        let area = max((hi[0] - lo[0]) * (hi[1] - lo[1]), 1e-12)
        self.init(
            points: ps.count, boundsMin: lo, boundsMax: hi, height: hi[2] - lo[2] < 1e-9 ? lo[2] : nil,
            digest: digest, densityPerLambda2: Double(ps.count) / (area / (lambda * lambda)), seed: seed,
            seconds: seconds)
    }
}

/// ISO-8601 UTC timestamp for headers.
func iso8601Now() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
}
