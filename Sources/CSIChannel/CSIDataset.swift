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
public struct CSIDataset: Sendable {
    public var positions: [Point3]
    /// Interleaved complex64, antenna-major: sample m, antenna j, subcarrier k at 2·((m·Na + j)·Ns + k).
    public var csi: [Float]
    public var frequencies: [Double]
    public var antennas: [Point3]
    public var carrier: Double
    /// Whether the direct path exists at each position, when known.
    public var los: [Bool]?
    /// The per-frame unknowns (common phase, gain, timing offset) the dataset says its frames carry, from its
    /// optional `nuisance` key; nil when it does not say (training then detects them). `phase` is read as
    /// `phase-gain` (see ``NuisanceModel/declarableNames``).
    public var declaredNuisance: NuisanceModel?

    public init(positions: [Point3], csi: [Float], frequencies: [Double], antennas: [Point3], carrier: Double, los: [Bool]? = nil,
                declaredNuisance: NuisanceModel? = nil) {
        self.positions = positions; self.csi = csi; self.frequencies = frequencies
        self.antennas = antennas; self.carrier = carrier; self.los = los; self.declaredNuisance = declaredNuisance
    }

    /// Number of samples (M).
    public var count: Int { positions.count }
    public var antennaCount: Int { antennas.count }
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
            throw NPZError(.missingKey, file: path, location: .key(key),
                           "missing (a csiloc dataset needs positions, csi, frequencies, antennas, carrier; present: \(archive.keys.sorted().joined(separator: ", ")))")
        }
        let pos = try archive.doubles("positions")
        try pos.checkShape([nil, 3])
        let freqs = try archive.doubles("frequencies")
        try freqs.checkShape([nil])
        let ant = try archive.doubles("antennas")
        try ant.checkShape([nil, 3])
        let m = pos.shape[0], na = ant.shape[0], ns = freqs.shape[0]
        let csi = try archive.complexFloats("csi")
        try csi.checkShape([m, na, ns])
        let carrier = try archive.scalar("carrier")
        try check(carrier > 0 && carrier.isFinite, path, "carrier", "expected a positive frequency in Hz, found \(carrier)")
        try check(freqs.values.allSatisfy { $0 > 0 && $0.isFinite }, path, "frequencies", "expected positive, finite frequencies in Hz")
        try check(pos.values.allSatisfy(\.isFinite), path, "positions", "expected finite coordinates (found NaN or Inf)")
        try check(ant.values.allSatisfy(\.isFinite), path, "antennas", "expected finite coordinates (found NaN or Inf)")
        if let bad = csi.values.firstIndex(where: { !$0.isFinite }) {
            throw NPZError(.typeMismatch, file: path, location: .key("csi"),
                           "expected finite values, found \(csi.values[bad]) in sample \(bad / (2 * na * ns))")
        }
        var los: [Bool]? = nil
        if archive.contains("los") {
            let l = try archive.bools("los")
            try l.checkShape([m])
            los = l.values
        }
        return CSIDataset(positions: points(pos.values), csi: csi.values, frequencies: freqs.values,
                          antennas: points(ant.values), carrier: carrier, los: los,
                          declaredNuisance: try declaredNuisance(in: archive))
    }

    /// The optional `nuisance` key: a string scalar naming one of ``NuisanceModel/declarableNames``.
    static func declaredNuisance(in archive: NPZArchive) throws -> NuisanceModel? {
        guard archive.contains("nuisance") else { return nil }
        let name = try archive.string("nuisance")
        guard let nuisance = NuisanceModel(declaredName: name) else {
            let shown = name.unicodeScalars.prefix(64).map { (0x20...0x7E).contains($0.value) ? String($0) : $0.escaped(asASCII: true) }.joined()
            throw NPZError(.typeMismatch, file: archive.path, location: .key("nuisance"),
                           "unknown value '\(shown)\(name.unicodeScalars.count > 64 ? "..." : "")'; accepted: \(NuisanceModel.declarableNames.joined(separator: ", "))")
        }
        return nuisance
    }

    /// Writes the dataset (numpy-loadable, deterministic bytes).
    public func write(to path: String) throws {
        let writer = try DatasetWriter(path: path, positions: positions, antennas: antennas, frequencies: frequencies,
                                       carrier: carrier, los: los, nuisance: declaredNuisance)
        try csi.withUnsafeBufferPointer { try writer.appendChannels($0) }
        try writer.finish()
    }

    static func points(_ flat: [Double]) -> [Point3] {
        stride(from: 0, to: flat.count, by: 3).map { Point3(flat[$0], flat[$0 + 1], flat[$0 + 2]) }
    }

    static func check(_ ok: Bool, _ file: String, _ key: String, _ message: String) throws {
        if !ok { throw NPZError(.typeMismatch, file: file, location: .key(key), message) }
    }
}
