package import CSIChannel
package import CSISearch
import Foundation

/// Runs localizers over a ``TestSet``: builds them (timed), localizes every frame (timed), scores the estimates.
package enum LocalizationRunner {
    /// Builds and validates the localizer of `configuration` for `model` over `region`, then runs it on `test`.
    ///
    /// - Throws: `LocalizerConfigurationError` naming the bad field when the configuration does not fit the model.
    package static func run(
        name: String, model: any ChannelModel, region: Region, configuration: LocalizerConfiguration,
        test: TestSet, width: Int, quality: ModelQualityMap? = nil
    ) throws -> MethodResult {
        let t0 = Date()
        let localizer = try Localizer(
            validating: model, region: region, configuration: configuration, width: width, quality: quality)
        return run(localizer, name: name, buildSeconds: Date().timeIntervalSince(t0), test: test, width: width)
    }

    /// Runs a built localizer on every frame of `test`.
    package static func run(
        _ localizer: Localizer, name: String, buildSeconds: Double, test: TestSet, width: Int
    ) -> MethodResult {
        let t1 = Date()
        let fixes = test.csi.withUnsafeBufferPointer {
            localizer.localizeAll(
                complex64: $0, count: test.count, reportedSNRdB: test.reportedSNRdB, width: width)
        }
        let seconds = Date().timeIntervalSince(t1)
        let estimates = fixes.map(\.position)
        return MethodResult(
            name: name, estimates: estimates, errors: errors(estimates, test.positions, flat: localizer.region.isFlat),
            fixes: fixes, seconds: seconds, buildSeconds: buildSeconds, threads: width)
    }

    /// The 3-NN baseline over a fingerprint set.
    static func runFingerprints(
        _ fp: FingerprintLocalizer, buildSeconds: Double, test: TestSet, width: Int, flat: Bool
    ) -> MethodResult {
        let t1 = Date()
        let estimates = test.csi.withUnsafeBufferPointer { fp.locateAll($0, count: test.count, width: width) }
        let seconds = Date().timeIntervalSince(t1)
        return MethodResult(
            name: "3nn", estimates: estimates, errors: errors(estimates, test.positions, flat: flat),
            fixes: nil, seconds: seconds, buildSeconds: buildSeconds, threads: width)
    }

    /// Euclidean errors (horizontal only when the search is 2-D).
    package static func errors(_ est: [Point3], _ truth: [Point3], flat: Bool) -> [Double] {
        zip(est, truth).map { e, t in
            var d = e - t
            if flat { d.z = 0 }
            return d.length
        }
    }
}
