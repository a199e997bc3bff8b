import Numerics

/// A complete, physically exact description of a propagation scene for the image-source simulator:
/// the base-station array, the subcarriers, the reflectors, where user equipment (UE) can be, where the
/// direct path is blocked, and the receiver impairments to emulate.
public struct Scene: Sendable {
    /// Name of the scene, for messages and dataset metadata.
    public var name: String
    /// Name of the coordinate frame positions are expressed in (published with every fix).
    public var frame: String
    /// The base-station antenna array.
    public var array: AntennaArray
    /// Carrier and subcarrier frequencies.
    public var subcarriers: SubcarrierPlan
    /// Reflecting planes (walls, ground, ceiling).
    public var planes: [ReflectingPlane]
    /// Highest number of bounces per path (0 = direct path only).
    public var maxReflectionOrder: Int
    /// Where UEs may be: the sampling region and the default search region.
    public var ueRegion: Region
    /// Regions in which the direct (line-of-sight) path is blocked.
    public var nlosRegions: [Region]
    /// Diffracting wedges: they add diffracted paths and their faces block the rays that cross them.
    public var edges: [DiffractingEdge]
    /// Receiver impairments applied to simulated CSI.
    public var impairments: Impairments

    /// Creates a scene from its parts, unchecked (`Scene.load(contentsOf:)` reads and checks a scene file).
    public init(
        name: String, frame: String = "scene", array: AntennaArray, subcarriers: SubcarrierPlan,
        planes: [ReflectingPlane] = [], maxReflectionOrder: Int = 1, ueRegion: Region,
        nlosRegions: [Region] = [], edges: [DiffractingEdge] = [], impairments: Impairments = .none
    ) {
        self.name = name; self.frame = frame; self.array = array; self.subcarriers = subcarriers
        self.planes = planes; self.maxReflectionOrder = maxReflectionOrder; self.ueRegion = ueRegion
        self.nlosRegions = nlosRegions; self.edges = edges; self.impairments = impairments
    }

    /// The same scene with another number of antennas and/or subcarriers (same spacing, same band), for
    /// scaling studies and benchmarks. A UPA keeps its aspect: `antennas` must be rows·cols of a square.
    public func resized(antennas: Int? = nil, subcarriers: Int? = nil) throws -> Scene {
        var s = self
        if let n = subcarriers { s.subcarriers = self.subcarriers.resampled(count: n) }
        if let n = antennas, n != array.count {
            let a = array
            switch a.kind {
            case .ula:
                s.array = .ula(count: n, spacing: a.spacing, center: a.center, axis: a.axis, pattern: a.pattern)
            case .upa:
                let side = Int(Double(n).squareRoot().rounded())
                guard side * side == n else {
                    throw SceneError.invalid("a UPA can only be resized to a square number of antennas, got \(n)")
                }
                s.array = .upa(
                    rows: side, cols: side, spacing: a.spacing, center: a.center, axis: a.axis,
                    axis2: a.axis2 ?? Point3(0, 0, 1), pattern: a.pattern)
            }
        }
        return s
    }

    /// Whether the direct path to `x` is blocked by one of the NLoS regions (the boxes only; wedge faces block
    /// per antenna, see `isBlockedByEdges`).
    @inlinable public func isLineOfSightBlocked(at x: Point3) -> Bool {
        for r in nlosRegions where r.contains(x) { return true }
        return false
    }

    /// Whether the segment a → b crosses a face of one of the edges.
    @inlinable func isBlockedByEdges(from a: Point3, to b: Point3) -> Bool {
        for e in edges where e.blocks(from: a, to: b) { return true }
        return false
    }

    /// Whether any path of the scene is not a pure image-source path (diffraction), so that the scene cannot be
    /// described by point sources alone.
    public var hasDiffraction: Bool { !edges.isEmpty }
}

/// An axis-aligned box; a flat region when `z.lowerBound == z.upperBound` (a UE plane at one height).
public struct Region: Sendable, Equatable {
    /// x extent, metres.
    public var x: ClosedRange<Double>
    /// y extent, metres.
    public var y: ClosedRange<Double>
    /// z extent, metres (one value: a flat region).
    public var z: ClosedRange<Double>

    /// A box with these extents, metres.
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>, z: ClosedRange<Double>) {
        self.x = x; self.y = y; self.z = z
    }

    /// Whether the region is a plane at one height.
    public var isFlat: Bool { z.lowerBound == z.upperBound }

    /// Whether `p` lies in the box (bounds included).
    @inlinable public func contains(_ p: Point3) -> Bool { x.contains(p.x) && y.contains(p.y) && z.contains(p.z) }

    /// Area (flat) of the x–y footprint, m².
    public var footprintArea: Double { (x.upperBound - x.lowerBound) * (y.upperBound - y.lowerBound) }
}

/// Receiver impairments that make measured CSI differ from the physical channel.
public struct Impairments: Sendable, Equatable {
    /// Additive white Gaussian noise at this per-location SNR (dB), σ² = ‖H‖²_F / (N_a N_s 10^(SNR/10)).
    public var snrDB: Double?
    /// A uniformly random common phase per sample (unsynchronised local oscillator).
    public var randomCommonPhase: Bool
    /// A random timing offset uniform in ±this many seconds per sample: a linear phase across subcarriers,
    /// exp(−j2π (f_k − f₀) τ).
    public var maxTimingOffset: Double
    /// Standard deviation (dB) of a random per-sample gain (automatic gain control).
    public var gainStdDB: Double
    /// Timing drift, seconds per frame: frame i (the sample index, a capture's order) gets i × this on top of its
    /// offset — a sampling clock slowly walking away.
    public var timingDriftPerFrame: Double = 0
    /// Common-phase drift, radians per frame: frame i gets i × this on top of its phase — a residual carrier
    /// frequency offset at a constant frame rate.
    public var phaseDriftPerFrame: Double = 0

    /// Creates impairments; the defaults are none.
    public init(
        snrDB: Double? = nil, randomCommonPhase: Bool = false, maxTimingOffset: Double = 0, gainStdDB: Double = 0,
        timingDriftPerFrame: Double = 0, phaseDriftPerFrame: Double = 0
    ) {
        self.snrDB = snrDB; self.randomCommonPhase = randomCommonPhase
        self.maxTimingOffset = maxTimingOffset; self.gainStdDB = gainStdDB
        self.timingDriftPerFrame = timingDriftPerFrame; self.phaseDriftPerFrame = phaseDriftPerFrame
    }

    /// No impairment: the exact channel.
    public static let none = Impairments()

    /// Whether any impairment is active.
    public var isActive: Bool {
        snrDB != nil || randomCommonPhase || maxTimingOffset != 0 || gainStdDB != 0
            || timingDriftPerFrame != 0 || phaseDriftPerFrame != 0
    }
}

/// Errors about a scene that are not located in a file.
public enum SceneError: Error, CustomStringConvertible, Sendable {
    case invalid(String)
    /// The message.
    public var description: String {
        switch self {
        case .invalid(let m): return m
        }
    }
}
