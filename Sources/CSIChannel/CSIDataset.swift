import Foundation
import NumpyArchive

/// A set of channel measurements with known positions: the interchange format through which simulated,
/// measured and ray-traced data enter csiloc (docs/datasets.md).
///
/// | key | dtype | shape | meaning |
/// |---|---|---|---|
/// | positions | float64 | (M, 3) | metres, scene frame |
/// | csi | complex64 | (M, Na, Ns) | channel, antenna-major |
/// | frequencies | float64 | (Ns,) | Hz |
/// | antennas | float64 | (Na, 3) | metres, same frame |
/// | carrier | float64 | () | Hz |
/// | los | bool | (M,) | optional |
/// | nuisance | str | () | optional: the per-frame unknowns the receiver leaves (``declaredNuisance``) |
/// | snr_db | float64 | (M,) | optional: the SNR the receiver reported per frame, dB; NaN = unknown (``reportedSNRdB``) |
public struct CSIDataset: Sendable {
    /// True UE position of each sample, metres.
    public var positions: [Point3]
    /// Interleaved complex64, antenna-major: sample m, antenna j, subcarrier k at 2·((m·Na + j)·Ns + k).
    public var csi: [Float]
    /// Subcarrier frequencies, Hz (N_s).
    public var frequencies: [Double]
    /// Antenna positions in the same frame, metres (N_a).
    public var antennas: [Point3]
    /// Carrier frequency, Hz.
    public var carrier: Double
    /// Whether the direct path exists at each position, when known.
    public var los: [Bool]?
    /// The per-frame unknowns (common phase, gain, timing offset) the dataset says its frames carry, from its
    /// optional `nuisance` key; nil when it does not say (training then detects them). `phase` is read as
    /// `phase-gain` (see ``NuisanceModel/declarableNames``).
    public var declaredNuisance: NuisanceModel?
    /// The SNR the receiver reported for each sample, dB (NaN where it did not), from the optional `snr_db` key:
    /// the localizer's noise level for the fix status (`LocalizerConfiguration.reportedSNR`) and, at training, what
    /// the quality map removes from the validation error (`QualityMeasurement.netOfNoise`).
    public var reportedSNRdB: [Double]?

    /// Creates a dataset from the arrays above (no validation: `load` validates files).
    public init(
        positions: [Point3], csi: [Float], frequencies: [Double], antennas: [Point3], carrier: Double,
        los: [Bool]? = nil,
        declaredNuisance: NuisanceModel? = nil, reportedSNRdB: [Double]? = nil
    ) {
        self.positions = positions; self.csi = csi; self.frequencies = frequencies
        self.antennas = antennas; self.carrier = carrier; self.los = los; self.declaredNuisance = declaredNuisance
        self.reportedSNRdB = reportedSNRdB
    }

    /// Number of samples (M).
    public var count: Int { positions.count }
    /// Number of antennas (N_a).
    public var antennaCount: Int { antennas.count }
    /// Number of subcarriers (N_s).
    public var subcarrierCount: Int { frequencies.count }
    /// Floats per sample in `csi` (2·Na·Ns).
    public var valuesPerSample: Int { 2 * antennaCount * subcarrierCount }

    /// The channel of sample `m` as a slice of `csi`.
    public func channel(_ m: Int) -> ArraySlice<Float> {
        csi[(m * valuesPerSample)..<((m + 1) * valuesPerSample)]
    }

    /// Loads and validates a dataset. Errors name the file, the key and what was expected.
    public static func load(contentsOf path: String) throws -> CSIDataset {
        let archive = try NPZArchive(path: path)
        for key in ["positions", "csi", "frequencies", "antennas", "carrier"] where !archive.contains(key) {
            throw NPZError(
                .missingKey, file: path, location: .key(key),
                "missing (a csiloc dataset needs positions, csi, frequencies, antennas, carrier; present: \(archive.keys.sorted().joined(separator: ", ")))"
            )
        }
        // Every shape from its header first (cheap, even for compressed members), so that members which disagree
        // are rejected before any of them is inflated: a small deflated file cannot make us expand hundreds of
        // megabytes only to find a shape that does not fit.
        let m = try archive.shape("positions", expecting: [nil, 3])[0]
        let ns = try archive.shape("frequencies", expecting: [nil])[0]
        let na = try archive.shape("antennas", expecting: [nil, 3])[0]
        _ = try archive.shape("csi", expecting: [m, na, ns])
        if archive.contains("los") { _ = try archive.shape("los", expecting: [m]) }
        if archive.contains("snr_db") { _ = try archive.shape("snr_db", expecting: [m]) }
        try checkFitsInMemory(path, m: m, na: na, ns: ns)
        let pos = try archive.doubles("positions", shape: [m, 3])
        let freqs = try archive.doubles("frequencies", shape: [ns])
        let ant = try archive.doubles("antennas", shape: [na, 3])
        let csi = try archive.complexFloats("csi", shape: [m, na, ns])
        let carrier = try archive.scalar("carrier")
        try check(
            carrier > 0 && carrier.isFinite, path, "carrier", "expected a positive frequency in Hz, found \(carrier)")
        try check(
            freqs.values.allSatisfy { $0 > 0 && $0.isFinite }, path, "frequencies",
            "expected positive, finite frequencies in Hz")
        try check(
            pos.values.allSatisfy(\.isFinite), path, "positions", "expected finite coordinates (found NaN or Inf)")
        try check(ant.values.allSatisfy(\.isFinite), path, "antennas", "expected finite coordinates (found NaN or Inf)")
        if let bad = csi.values.firstIndex(where: { !$0.isFinite }) {
            throw NPZError(
                .typeMismatch, file: path, location: .key("csi"),
                "expected finite values, found \(csi.values[bad]) in sample \(bad / (2 * na * ns))")
        }
        var los: [Bool]? = nil
        if archive.contains("los") {
            let l = try archive.bools("los", shape: [m])
            los = l.values
        }
        var snr: [Double]? = nil
        if archive.contains("snr_db") {
            let values = try archive.doubles("snr_db", shape: [m]).values
            if let bad = values.firstIndex(where: \.isInfinite) {
                throw NPZError(
                    .typeMismatch, file: path, location: .key("snr_db"),
                    "expected finite SNRs in dB or NaN (unknown), found \(values[bad]) in sample \(bad)")
            }
            snr = values
        }
        return CSIDataset(
            positions: points(pos.values), csi: csi.values, frequencies: freqs.values,
            antennas: points(ant.values), carrier: carrier, los: los,
            declaredNuisance: try declaredNuisance(in: archive), reportedSNRdB: snr)
    }

    /// The optional `nuisance` key: a string scalar naming one of ``NuisanceModel/declarableNames``.
    static func declaredNuisance(in archive: NPZArchive) throws -> NuisanceModel? {
        guard archive.contains("nuisance") else { return nil }
        let name = try archive.string("nuisance")
        guard let nuisance = NuisanceModel(declaredName: name) else {
            let shown = name.unicodeScalars.prefix(64).map {
                (0x20...0x7E).contains($0.value) ? String($0) : $0.escaped(asASCII: true)
            }.joined()
            throw NPZError(
                .typeMismatch, file: archive.path, location: .key("nuisance"),
                "unknown value '\(shown)\(name.unicodeScalars.count > 64 ? "..." : "")'; accepted: \(NuisanceModel.declarableNames.joined(separator: ", "))"
            )
        }
        return nuisance
    }

    /// Writes the dataset (numpy-loadable, deterministic bytes).
    public func write(to path: String) throws {
        let writer = try DatasetWriter(
            path: path, positions: positions, antennas: antennas, frequencies: frequencies,
            carrier: carrier, los: los, nuisance: declaredNuisance, reportedSNRdB: reportedSNRdB)
        try csi.withUnsafeBufferPointer { try writer.appendChannels($0) }
        try writer.finish()
    }

    static func points(_ flat: [Double]) -> [Point3] {
        stride(from: 0, to: flat.count, by: 3).map { Point3(flat[$0], flat[$0 + 1], flat[$0 + 2]) }
    }

    /// The decoded dataset (csi as complex64, positions, antennas and frequencies as float64) must fit in this
    /// machine's memory: a clear error instead of an allocation the kernel kills us for.
    static func checkFitsInMemory(_ path: String, m: Int, na: Int, ns: Int) throws {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        // positions and antennas 3 float64 each, frequencies 1 float64, csi one complex64 per (m, na, ns).
        let terms = [[m, 24], [na, 24], [ns, 8], [m, na, ns, 8]]
        var total: Int? = 0
        for factors in terms {
            let product = factors.reduce(Int?(1)) { p, f in
                p.flatMap { p in
                    let (r, o) = p.multipliedReportingOverflow(by: f); return o ? nil : r
                }
            }
            total = total.flatMap { t in
                product.flatMap { p in
                    let (r, o) = t.addingReportingOverflow(p); return o ? nil : r
                }
            }
        }
        guard let total, total <= physical else {
            throw NPZError(
                .shapeMismatch, file: path, location: .key("csi"),
                "shape (\(m), \(na), \(ns)) needs \(total.map { "\($0) bytes" } ?? "more than Int.max bytes") once decoded, more than this machine's \(physical) bytes of memory"
            )
        }
    }

    static func check(_ ok: Bool, _ file: String, _ key: String, _ message: String) throws {
        if !ok { throw NPZError(.typeMismatch, file: file, location: .key(key), message) }
    }
}
