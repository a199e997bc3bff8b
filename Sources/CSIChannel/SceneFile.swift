import Numerics
import StrictYAML

/// The YAML form of a `Scene` (see docs/scenes.md). Decoding is strict: unknown keys, wrong types and
/// out-of-range values are errors that name the file, line and key.
struct SceneFile: Decodable {
    var name: String
    var frame: String
    var array: ArraySpec
    var subcarriers: SubcarrierSpec
    var planes: [PlaneSpec]
    var maxOrder: Int
    var ue: UESpec
    var nlosRegions: [RegionSpec]
    var edges: [EdgeSpec]
    var impairments: ImpairmentSpec

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, frame, array, subcarriers, planes, ue, impairments, edges
        case maxOrder = "max_order", nlosRegions = "nlos_regions"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try c.value(.name, default: "scene")
        frame = try c.value(.frame, default: "scene")
        array = try c.decode(ArraySpec.self, forKey: .array)
        subcarriers = try c.decode(SubcarrierSpec.self, forKey: .subcarriers)
        planes = try c.value(.planes, default: [])
        maxOrder = try c.value(.maxOrder, default: planes.isEmpty ? 0 : 1)
        try c.require((0...4).contains(maxOrder), .maxOrder, "must be in 0...4, got \(maxOrder)")
        ue = try c.decode(UESpec.self, forKey: .ue)
        nlosRegions = try c.value(.nlosRegions, default: [])
        edges = try c.value(.edges, default: [])
        impairments = try c.value(.impairments, default: ImpairmentSpec())
    }
}

struct ArraySpec: Decodable {
    var kind: AntennaArray.Kind
    var count: Int?
    var shape: [Int]?
    var spacing: Double?
    var center: [Double]
    var axis: [Double]
    var axis2: [Double]?
    var pattern: PatternSpec

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, count, shape, spacing, center, axis, axis2, pattern }

    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        kind = try c.value(.kind, default: .ula)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        shape = try c.decodeIfPresent([Int].self, forKey: .shape)
        spacing = try c.decodeIfPresent(Double.self, forKey: .spacing)
        center = try c.decode([Double].self, forKey: .center)
        axis = try c.value(.axis, default: [1, 0, 0])
        axis2 = try c.decodeIfPresent([Double].self, forKey: .axis2)
        pattern = try c.value(.pattern, default: PatternSpec())
        try c.require(center.count == 3 && center.allSatisfy(\.isFinite), .center, "must be 3 finite numbers [x, y, z]")
        try c.require(
            axis.count == 3 && axis.allSatisfy(\.isFinite) && axis.contains { $0 != 0 }, .axis,
            "must be a non-zero vector [x, y, z]")
        if let spacing {
            try c.require(spacing > 0 && spacing.isFinite, .spacing, "must be > 0 metres, got \(spacing)")
        }
        switch kind {
        case .ula:
            try c.require(count != nil, .count, "a ULA needs 'count' (number of elements)")
            try c.require((1...4096).contains(count ?? 0), .count, "must be in 1...4096, got \(count ?? 0)")
            try c.require(shape == nil, .shape, "'shape' is for kind: upa; a ULA uses 'count'")
        case .upa:
            try c.require(shape?.count == 2, .shape, "a UPA needs 'shape: [rows, cols]'")
            try c.require(
                (shape ?? []).allSatisfy { (1...256).contains($0) }, .shape, "rows and cols must be in 1...256")
            try c.require(
                axis2?.count == 3 && (axis2 ?? []).contains { $0 != 0 }, .axis2,
                "a UPA needs 'axis2: [x, y, z]', the second array axis")
        }
    }
}

struct PatternSpec: Decodable {
    enum Kind: String, Decodable { case isotropic, cosine }
    var kind: Kind = .isotropic
    var exponent: Double = 1
    var boresight: [Double]? = nil

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, exponent, boresight }
    init() {}
    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        kind = try c.value(.kind, default: .isotropic)
        exponent = try c.value(.exponent, default: 1)
        boresight = try c.decodeIfPresent([Double].self, forKey: .boresight)
        try c.require(exponent > 0 && exponent <= 64, .exponent, "must be in (0, 64], got \(exponent)")
        if kind == .cosine {
            try c.require(
                boresight?.count == 3 && (boresight ?? []).contains { $0 != 0 }, .boresight,
                "a cosine pattern needs 'boresight: [x, y, z]'")
        }
    }
}

struct SubcarrierSpec: Decodable {
    var plan: SubcarrierPlan
    enum CodingKeys: String, CodingKey, CaseIterable { case carrier, bandwidth, count, frequencies }
    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        if let list = try c.decodeIfPresent([Double].self, forKey: .frequencies) {
            try c.require(
                !list.isEmpty && list.count <= 65_536 && list.allSatisfy { $0 > 0 && $0.isFinite }, .frequencies,
                "must be a non-empty list of positive frequencies in Hz")
            try c.require(
                !c.contains(.bandwidth) && !c.contains(.count), .frequencies,
                "give either 'frequencies' or 'carrier' + 'bandwidth' + 'count', not both")
            plan = SubcarrierPlan(frequencies: list, carrier: try c.decodeIfPresent(Double.self, forKey: .carrier))
        } else {
            let carrier = try c.decode(Double.self, forKey: .carrier)
            let bandwidth = try c.decode(Double.self, forKey: .bandwidth)
            let count = try c.decode(Int.self, forKey: .count)
            try c.require(
                carrier > 0 && carrier.isFinite, .carrier, "must be a positive frequency in Hz, got \(carrier)")
            try c.require(
                bandwidth >= 0 && bandwidth < carrier, .bandwidth, "must be in [0, carrier), got \(bandwidth)")
            try c.require((1...65_536).contains(count), .count, "must be in 1...65536, got \(count)")
            plan = SubcarrierPlan(carrier: carrier, bandwidth: bandwidth, count: count)
        }
    }
}

struct PlaneSpec: Decodable {
    var plane: ReflectingPlane
    enum CodingKeys: String, CodingKey, CaseIterable { case name, point, normal, reflection, extent }
    struct ExtentSpec: Decodable {
        var u: [Double]; var size: [Double]
        enum CodingKeys: String, CodingKey, CaseIterable { case u, size }
        init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            u = try c.decode([Double].self, forKey: .u)
            size = try c.decode([Double].self, forKey: .size)
            try c.require(u.count == 3 && u.contains { $0 != 0 }, .u, "must be a non-zero in-plane vector [x, y, z]")
            try c.require(
                size.count == 2 && size.allSatisfy { $0 > 0 && $0.isFinite }, .size,
                "must be [width, height] in metres, both > 0")
        }
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let name = try c.value(.name, default: "plane")
        let point = try c.decode([Double].self, forKey: .point)
        let normal = try c.decode([Double].self, forKey: .normal)
        let refl = try c.decode([Double].self, forKey: .reflection)
        try c.require(point.count == 3 && point.allSatisfy(\.isFinite), .point, "must be 3 finite numbers [x, y, z]")
        try c.require(normal.count == 3 && normal.contains { $0 != 0 }, .normal, "must be a non-zero vector [x, y, z]")
        try c.require(
            refl.count == 2 && refl.allSatisfy(\.isFinite), .reflection,
            "must be [real, imaginary] of the reflection coefficient")
        try c.require(
            (refl[0] * refl[0] + refl[1] * refl[1]) <= 1 + 1e-12, .reflection,
            "magnitude must be ≤ 1 (a passive reflector)")
        let extent = try c.decodeIfPresent(ExtentSpec.self, forKey: .extent)
        let n = Point3(normal[0], normal[1], normal[2])
        if let extent {
            let u = Point3(extent.u[0], extent.u[1], extent.u[2])
            try c.require(
                abs(u.normalized.dot(n.normalized)) < 0.999, .extent, "'u' must not be parallel to the normal")
        }
        plane = ReflectingPlane(
            name: name, point: Point3(point[0], point[1], point[2]), normal: n,
            reflection: Complex(refl[0], refl[1]),
            extent: extent.map { (u: Point3($0.u[0], $0.u[1], $0.u[2]), size: ($0.size[0], $0.size[1])) }
        )
    }
}
