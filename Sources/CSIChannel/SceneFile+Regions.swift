import StrictYAML

/// `x: [min, max]`, `y: [min, max]`, `z: height` or `z: [min, max]`.
struct RegionSpec: Decodable {
    var region: Region
    enum CodingKeys: String, CodingKey, CaseIterable { case x, y, z }
    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        region = Region(
            x: try c.interval(.x), y: try c.interval(.y),
            z: try c.interval(.z, ifAbsent: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude))
    }
}

/// A region UEs can stand in: a ``RegionSpec`` with `z` given and a positive x–y area (a scene's `ue: region:`,
/// the daemon's `search.region`).
package struct UERegionSpec: Decodable {
    package var region: Region
    package init(from decoder: any Decoder) throws {
        region = try RegionSpec(from: decoder).region
        let c = try decoder.container(keyedBy: RegionSpec.CodingKeys.self)
        try c.require(
            region.z.lowerBound > -1e300 && region.z.upperBound < 1e300, .z, "missing: give a height or [min, max]")
        try c.require(region.footprintArea > 0, .x, "the x and y extents must be > 0")
    }
}

struct UESpec: Decodable {
    var region: Region
    enum CodingKeys: String, CodingKey, CaseIterable { case region }
    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        region = try c.decode(UERegionSpec.self, forKey: .region).region
    }
}

struct ImpairmentSpec: Decodable {
    var impairments = Impairments.none
    enum CodingKeys: String, CodingKey, CaseIterable {
        case snrDB = "snr_db", randomCommonPhase = "random_common_phase"
        case timingOffsetNs = "timing_offset_ns", gainStdDB = "gain_std_db"
        case timingDriftNsPerFrame = "timing_drift_ns_per_frame", phaseDriftRadPerFrame = "phase_drift_rad_per_frame"
    }
    init() {}
    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let snr = try c.decodeIfPresent(Double.self, forKey: .snrDB)
        if let snr {
            try c.require(snr.isFinite && snr > -50 && snr < 200, .snrDB, "must be a finite SNR in dB in (-50, 200)")
        }
        let tau = try c.value(.timingOffsetNs, default: 0.0)
        try c.require(tau >= 0 && tau.isFinite, .timingOffsetNs, "must be ≥ 0 (the maximum |offset|, ns)")
        let g = try c.value(.gainStdDB, default: 0.0)
        try c.require(g >= 0 && g.isFinite, .gainStdDB, "must be ≥ 0 dB")
        let drift = try c.value(.timingDriftNsPerFrame, default: 0.0)
        try c.require(
            drift.isFinite && abs(drift) <= 1e3, .timingDriftNsPerFrame,
            "must be a finite drift in ns per frame, |drift| ≤ 1000")
        let phaseDrift = try c.value(.phaseDriftRadPerFrame, default: 0.0)
        try c.require(
            phaseDrift.isFinite && abs(phaseDrift) <= 2 * Double.pi, .phaseDriftRadPerFrame,
            "must be a finite drift in rad per frame, |drift| ≤ 2π")
        impairments = Impairments(
            snrDB: snr, randomCommonPhase: try c.value(.randomCommonPhase, default: false),
            maxTimingOffset: tau * 1e-9, gainStdDB: g,
            timingDriftPerFrame: drift * 1e-9, phaseDriftPerFrame: phaseDrift)
    }
}

extension Scene {
    /// Loads a scene from a YAML file (strict: see docs/scenes.md for the keys).
    public static func load(contentsOf path: String) throws -> Scene {
        try StrictYAML.decode(SceneFile.self, contentsOf: path).scene
    }

    /// Parses a scene from YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String = "<scene>") throws -> Scene {
        try StrictYAML.decode(SceneFile.self, from: yaml, file: file).scene
    }
}

extension SceneFile {
    var scene: Scene {
        let p = subcarriers.plan
        let spacing = array.spacing ?? p.wavelength / 2
        let center = Point3(array.center[0], array.center[1], array.center[2])
        let axis = Point3(array.axis[0], array.axis[1], array.axis[2])
        let pat: ElementPattern
        switch array.pattern.kind {
        case .isotropic: pat = .isotropic
        case .cosine:
            let b = array.pattern.boresight ?? [1, 0, 0]
            pat = .cosine(exponent: array.pattern.exponent, boresight: Point3(b[0], b[1], b[2]).normalized)
        }
        let arr: AntennaArray
        switch array.kind {
        case .ula:
            arr = .ula(count: array.count ?? 1, spacing: spacing, center: center, axis: axis, pattern: pat)
        case .upa:
            let s = array.shape ?? [1, 1], a2 = array.axis2 ?? [0, 0, 1]
            arr = .upa(
                rows: s[0], cols: s[1], spacing: spacing, center: center, axis: axis,
                axis2: Point3(a2[0], a2[1], a2[2]), pattern: pat)
        }
        return Scene(
            name: name, frame: frame, array: arr, subcarriers: p, planes: planes.map(\.plane),
            maxReflectionOrder: maxOrder, ueRegion: ue.region, nlosRegions: nlosRegions.map(\.region),
            edges: edges.map(\.edge),
            impairments: impairments.impairments)
    }
}
