package import CSIChannel
import CSIModel

/// A fingerprint of a run's estimates: SHA-256 over the little-endian IEEE-754 bits of every estimate's
/// x, y, z in frame order. Equal digests mean bit-identical estimates, e.g. for a capture evaluated before
/// and after a replay, or at two replay speeds.
package enum EstimatesDigest {
    /// `sha256:<64 hex digits>`.
    package static func sha256(_ estimates: [Point3]) -> String {
        var hash = SHA256()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24 * estimates.count)
        for p in estimates {
            for v in [p.x, p.y, p.z] {
                let bits = v.bitPattern.littleEndian
                for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
            }
        }
        hash.update(bytes)
        return "sha256:" + SHA256.hex(hash.finalize())
    }
}
