import CSINumerics
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// Channels on circles about the array's axis (`evaluateSplit(onCircles:…)`): which paths are the same all around a
/// circle, and the values against the Float64 channels and the point-by-point Float32 form.
@Suite struct ImageSourceModelCirclesTests {
    /// A line array along y (`antennas` elements, 4 cm apart) at x = −6, z = 2.5, with six paths: the direct one and
    /// its image in a wall across the axis (both from points of the axis), an image in the ground (a parallel line
    /// 5 m below), an image in a second wall across the axis whose gain has a slope, a path from the wall's image
    /// around an edge, and an image in a wall along the axis — two shared, four not (two groups of the fused
    /// kernel). With `axialOnly`, four paths, all from the axis with constant gains (two shared groups, nothing of
    /// the points' own). Optionally a gain map.
    static func model(
        antennas count: Int, gainMap: Bool = false, axialOnly: Bool = false
    ) -> (
        model: ImageSourceModel, axis: AxisLine
    ) {
        let antennas = (0..<count).map { Point3(-6, -0.12 + 0.04 * Double($0), 2.5) }
        let centre = antennas.reduce(Point3.zero, +) / Double(count)
        let f = ArrayFrame(antennas: antennas).axes
        func mirrored(_ c: Int) -> (Point3, Point3, Point3) {
            var s = Point3(1, 1, 1)
            s[c] = -1
            return (f.0 * s, f.1 * s, f.2 * s)
        }
        let direct = ImageSource(center: centre, frame: f, gain: Complex(1.2, -0.4))
        let wall = ImageSource(
            center: Point3(centre.x, 2 * 7.5 - centre.y, centre.z), frame: mirrored(1), gain: Complex(-0.3, 0.5))
        let ground = ImageSource(
            center: Point3(centre.x, centre.y, -centre.z), frame: mirrored(2), gain: Complex(-0.5, 0.1))
        var sloped = ImageSource(
            center: Point3(centre.x, 2 * -6.0 - centre.y, centre.z), frame: mirrored(1), gain: Complex(0.4, 0.3))
        sloped.gainSlope = (Complex(0.02, -0.01), .zero, Complex(0, 0.01))
        let bent = ImageSource(
            center: wall.center, frame: mirrored(1), gain: Complex(0.35, 0.2),
            edge: EdgeLine(point: Point3(-2, 3.1, 0), direction: Point3(0.05, 0.02, 1)))
        let side = ImageSource(
            center: Point3(2 * -9.0 - centre.x, centre.y, centre.z), frame: mirrored(0), gain: Complex(0.2, -0.25))
        var far = sloped
        far.gainSlope = (.zero, .zero, .zero)
        let back = ImageSource(
            center: Point3(centre.x, 2 * 11.0 - centre.y, centre.z), frame: mirrored(1), gain: Complex(-0.15, -0.3))
        let sources = axialOnly ? [direct, wall, far, back] : [direct, ground, wall, sloped, bent, side]
        var m = ImageSourceModel(
            sources: sources, antennas: antennas,
            frequencies: (0..<70).map { 3.5e9 + (Double($0) - 34.5) * 1.25e6 }, carrier: 3.5e9,
            phaseModel: .spherical, gainReference: Point3(0.1, -0.2, 1), scale: 2.0)
        if gainMap {
            var rng = SeededGenerator(seed: 4)
            m.gainMap = GainMap(
                originX: -0.5, originY: -0.5, spacing: 0.3, nx: 5, ny: 4, paths: sources.count,
                values: (0..<(sources.count * 5 * 4 * 2)).map { _ in rng.nextGaussian() })
        }
        return (m, AxisLine(origin: centre, direction: Point3(0, 1, 0))!)
    }

    /// `k` points of the circle about `axis` at axial coordinate `a` and radius `r`, from angle `lo` to `hi`.
    static func circle(
        _ axis: AxisLine, axial a: Double, radius r: Double, _ lo: Double, _ hi: Double, k: Int
    )
        -> [Point3]
    {
        let e1 = Point3(1, 0, 0), e2 = axis.direction.cross(e1)
        return (0..<k).map { i in
            let phi = lo + (hi - lo) * Double(i) / Double(k - 1)
            return axis.origin + axis.direction * a + (e1 * Double.cos(phi) + e2 * Double.sin(phi)) * r
        }
    }

    /// Exactly the paths from points of the axis with a constant gain: the direct path and the wall across the axis
    /// — not the ground's or the side wall's image (parallel lines), not the sloped gain, not the edge; none with a
    /// gain map or a plane-wave phase model; none about a line off the axis by more than the tolerance, all within
    /// it.
    @Test func sharedSourcesAreTheAxisPathsWithConstantGains() {
        let (m, axis) = Self.model(antennas: 7)
        let offsets = m.frame.offsets
        let tolerance = ImageSourceModel.circleTolerance * speedOfLight / m.carrier
        #expect(m.circleSharedSources(about: axis, offsets: offsets, tolerance: tolerance) == [0, 2])
        #expect(
            Self.model(antennas: 7, axialOnly: true).model.circleSharedSources(
                about: axis, offsets: offsets, tolerance: tolerance) == [0, 1, 2, 3])
        let near = AxisLine(origin: axis.origin + Point3(0.3 * tolerance, 0, 0), direction: axis.direction)!
        #expect(m.circleSharedSources(about: near, offsets: offsets, tolerance: tolerance) == [0, 2])
        let off = AxisLine(origin: axis.origin + Point3(3 * tolerance, 0, 0), direction: axis.direction)!
        #expect(m.circleSharedSources(about: off, offsets: offsets, tolerance: tolerance).isEmpty)
        #expect(
            Self.model(antennas: 7, gainMap: true).model.circleSharedSources(
                about: axis, offsets: offsets, tolerance: tolerance
            ).isEmpty)
        var plane = m
        plane.phaseModel = .planeWave
        #expect(plane.circleSharedSources(about: axis, offsets: offsets, tolerance: tolerance).isEmpty)
    }

    /// Groups on circles (the last one shorter), a group whose points are not on one circle, a gain-mapped model and
    /// one whose paths are all shared: every channel equals the Float64 one to Float32 rounding on the kept entries,
    /// and the point-by-point Float32 form to its own rounding. The groups on circles were shared (their sums differ
    /// from the point-by-point ones in rounding somewhere; with every path shared, each point is its group's first
    /// point to the bit); the group off its circle and the gain-mapped model are the point-by-point values exactly. 7 and 11 antennas reach the scalar tails and the vector paths of the kernel.
    @Test(arguments: [
        (7, 1, 1, false, false), (11, 1, 1, false, false), (11, 2, 3, false, false), (17, 2, 1, false, false),
        (11, 1, 1, true, false), (7, 1, 1, false, true), (17, 1, 2, false, true),
    ])
    func circleChannelsAreThePointByPointOnes(
        _ antennas: Int, _ antennaStride: Int, _ subcarrierStride: Int, _ gainMap: Bool, _ axialOnly: Bool
    ) {
        let (m, axis) = Self.model(antennas: antennas, gainMap: gainMap, axialOnly: axialOnly)
        let k = 6
        var positions = Self.circle(axis, axial: 1.3, radius: 6.2, -0.4, 0.7, k: k)
        positions += Self.circle(axis, axial: -0.8, radius: 5.1, 0.1, 1.9, k: k)
        // Not one circle: the third point moved off it by a millimetre.
        var off = Self.circle(axis, axial: 0.4, radius: 7.0, -1.0, 0.2, k: k)
        off[2] += Point3(0.001, 0, 0)
        positions += off
        positions += Self.circle(axis, axial: 2.2, radius: 4.4, 0.3, 0.9, k: k).prefix(4)
        let na = m.antennaCount, ns = m.subcarrierCount
        let ka = (na + antennaStride - 1) / antennaStride, ks = (ns + subcarrierStride - 1) / subcarrierStride
        let (re, im) = splitChannels(
            of: m, at: positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride
        ) { p, r, i, sb in
            m.evaluateSplit(
                onCircles: p, pointsPerCircle: k, about: axis, antennaStride: antennaStride,
                subcarrierStride: subcarrierStride, re: r, im: i, scratch: sb)
        }
        let (pointRe, pointIm) = splitChannels(
            of: m, at: positions, antennaStride: antennaStride, subcarrierStride: subcarrierStride
        ) { p, r, i, sb in
            m.evaluateSplit(
                p, antennaStride: antennaStride, subcarrierStride: subcarrierStride, re: r, im: i, scratch: sb)
        }
        let f = m.channels(at: positions)
        let n = ka * ks
        func differs(_ b: Int) -> Bool {
            (b * n..<(b + 1) * n).contains { re[$0] != pointRe[$0] || im[$0] != pointIm[$0] }
        }
        // Points 12 ..< 18: the group off its circle.
        for b in positions.indices where gainMap || (12..<18).contains(b) { #expect(!differs(b)) }
        let groups = [0, 6, 18].map { $0..<min($0 + k, positions.count) }
        if axialOnly {
            // Every path shared: each point of a group is its first point's channel, to the bit.
            for g in groups {
                for b in g { #expect((0..<n).allSatisfy { re[b * n + $0] == re[g.lowerBound * n + $0] }) }
            }
        } else if !gainMap {
            #expect(groups.allSatisfy { $0.contains(where: differs) })
        }
        for b in positions.indices {
            let scale = (0..<m.valuesPerChannel).reduce(0.0) { max($0, abs(f[b * m.valuesPerChannel + $1])) }
            for jj in 0..<ka {
                for kk in 0..<ks {
                    let j = jj * antennaStride, sub = kk * subcarrierStride, o = (b * ks + kk) * ka + jj
                    let i = b * m.valuesPerChannel + 2 * (j * ns + sub)
                    #expect(abs(Double(re[o]) - f[i]) <= 1e-5 * scale && abs(Double(im[o]) - f[i + 1]) <= 1e-5 * scale)
                    #expect(abs(re[o] - pointRe[o]) <= 1e-5 * Float(scale))
                    #expect(abs(im[o] - pointIm[o]) <= 1e-5 * Float(scale))
                }
            }
        }
    }

    /// The default `ChannelModel` form evaluates point by point: a model without its own form (the simulator)
    /// gives `evaluateSplit`'s values exactly.
    @Test func defaultFormIsPointByPoint() {
        let plane = ReflectingPlane(
            name: "ground", point: Point3(0, 0, 0), normal: Point3(0, 0, 1), reflection: Complex(-0.5, 0.1))
        let scene = Scene(
            name: "t", array: .ula(count: 4, spacing: 0.0428, center: Point3(-5, 0.2, 3), axis: Point3(0, 1, 0)),
            subcarriers: SubcarrierPlan(carrier: 3.5e9, bandwidth: 1e8, count: 8), planes: [plane],
            maxReflectionOrder: 1, ueRegion: Region(x: -1...1, y: -1...1, z: 1...1))
        let sim = ChannelSimulator(scene: scene)
        let axis = AxisLine(
            origin: sim.antennaPositions.reduce(Point3.zero, +) / Double(sim.antennaCount),
            direction: sim.antennaPositions.last! - sim.antennaPositions.first!)!
        let positions = Self.circle(axis, axial: 0.5, radius: 9, 2.0, 2.6, k: 5)
        let n = sim.antennaCount * sim.subcarrierCount * positions.count
        var re = [Float](repeating: .nan, count: n), im = re, re2 = re, im2 = re
        var scratch = [Double](repeating: 0, count: positions.count * sim.valuesPerChannel)
        positions.withUnsafeBufferPointer { p in
            scratch.withUnsafeMutableBufferPointer { sb in
                sim.evaluateSplit(
                    onCircles: p, pointsPerCircle: 5, about: axis, antennaStride: 1, subcarrierStride: 1,
                    re: &re, im: &im, scratch: sb)
                sim.evaluateSplit(p, antennaStride: 1, subcarrierStride: 1, re: &re2, im: &im2, scratch: sb)
            }
        }
        #expect(re == re2 && im == im2)
        #expect(!re.contains { $0.isNaN })
    }
}

/// `AxisLine`: normalised directions, refused degenerate lines, cylindrical coordinates by hand.
@Suite struct AxisLineTests {
    @Test func linesAreNormalisedAndDegenerateOnesRefused() throws {
        let line = try #require(AxisLine(origin: Point3(1, 2, 3), direction: Point3(0, 3, 4)))
        #expect(abs(line.direction.length - 1) < 1e-15)
        #expect(AxisLine(origin: .zero, direction: .zero) == nil)
        #expect(AxisLine(origin: .zero, direction: Point3(.nan, 0, 1)) == nil)
        #expect(AxisLine(origin: Point3(.infinity, 0, 0), direction: Point3(0, 0, 1)) == nil)
        #expect(AxisLine(origin: .zero, direction: Point3(1e300, 1e300, 0)) == nil)
        // (1, 2, 3) + 5·(0, 0.6, 0.8) + 2·(1, 0, 0): axial 5, radial 2.
        let c = line.cylindrical(Point3(1, 2, 3) + Point3(0, 3, 4) + Point3(2, 0, 0))
        #expect(abs(c.axial - 5) < 1e-12 && abs(c.radial - 2) < 1e-12)
    }
}
