public import CSIChannel
import Numerics

extension ImageSourceModel {
    /// Columns of the `physics.sources` tensor: centre(3) e1(3) e2(3) e3(3) gain(2) slopes x,y,z (6).
    static let sourceColumns = 20
    /// Columns of the `physics.edges` tensor: 1 for a diffracted path (else 0 and zeros), the edge's point (3) and
    /// direction (3); then 1 when the edge has a wedge (else 0 and zeros), its face 0 (3), binormal (3), n, and the
    /// faces' reflection coefficients (re, im each).
    static let edgeColumns = 19

    /// The model's parameters as file tensors.
    var tensors: [ModelTensor] {
        var flat: [Double] = []
        for s in sources {
            flat += [
                s.center.x, s.center.y, s.center.z, s.e1.x, s.e1.y, s.e1.z, s.e2.x, s.e2.y, s.e2.z, s.e3.x, s.e3.y,
                s.e3.z,
            ]
            flat += [s.gain.real, s.gain.imaginary]
            flat += [
                s.gainSlope.0.real, s.gainSlope.0.imaginary, s.gainSlope.1.real, s.gainSlope.1.imaginary,
                s.gainSlope.2.real, s.gainSlope.2.imaginary,
            ]
        }
        var out = [ModelTensor(name: "physics.sources", shape: [sources.count, Self.sourceColumns], doubles: flat)]
        if sources.contains(where: { $0.edge != nil }) {
            let edges = sources.flatMap { s -> [Double] in
                guard let e = s.edge else { return [Double](repeating: 0, count: Self.edgeColumns) }
                let line = [1, e.point.x, e.point.y, e.point.z, e.direction.x, e.direction.y, e.direction.z]
                guard let w = e.wedge else { return line + [Double](repeating: 0, count: Self.edgeColumns - 7) }
                return line + [
                    1, w.face0.x, w.face0.y, w.face0.z, w.binormal.x, w.binormal.y, w.binormal.z, w.n,
                    w.reflection0.real, w.reflection0.imaginary, w.reflectionN.real, w.reflectionN.imaginary,
                ]
            }
            out.append(ModelTensor(name: "physics.edges", shape: [sources.count, Self.edgeColumns], doubles: edges))
        }
        if let m = gainMap {
            out.append(ModelTensor(name: "physics.gain_map", shape: [m.paths, m.ny, m.nx, 2], doubles: m.values))
        }
        return out
    }

    /// Description stored in the header.
    var physicsInfo: ModelHeader.PhysicsInfo {
        let axes = (0..<3).filter { a in
            sources.contains { s in [s.gainSlope.0, s.gainSlope.1, s.gainSlope.2][a] != .zero }
        }
        return ModelHeader.PhysicsInfo(
            phaseModel: phaseModel.rawValue, gainReference: [gainReference.x, gainReference.y, gainReference.z],
            sources: sources.count, slopeAxes: axes,
            gainMap: gainMap.map {
                .init(originX: $0.originX, originY: $0.originY, spacing: $0.spacing, nx: $0.nx, ny: $0.ny)
            },
            diffracted: sources.contains { $0.edge != nil } ? sources.filter { $0.edge != nil }.count : nil)
    }

    /// Rebuilds the model from a file.
    init(file: ModelFile, path: String) throws {
        let h = file.header
        guard let info = h.physics else { throw ModelFileError(file: path, "no physics section in the header") }
        guard let phase = ArrayPhaseModel(rawValue: info.phaseModel) else {
            throw ModelFileError(file: path, "unknown array phase model '\(info.phaseModel)'")
        }
        let t = try file.tensor("physics.sources", shape: [info.sources, Self.sourceColumns], file: path)
        guard t.isDouble, info.gainReference.count == 3 else {
            throw ModelFileError(file: path, "tensor 'physics.sources' must be float64")
        }
        let v = t.doubles
        var sources: [ImageSource] = []
        for l in 0..<info.sources {
            let r = l * Self.sourceColumns
            func p(_ i: Int) -> Point3 { Point3(v[r + i], v[r + i + 1], v[r + i + 2]) }
            // Every value is finite (ModelFile.validate); a centre beyond the coordinate limit (1e160 overflows the
            // distances) is refused too.
            guard max(abs(v[r]), abs(v[r + 1]), abs(v[r + 2])) <= ModelFileLimits.maxCoordinate else {
                throw ModelFileError(
                    file: path,
                    "tensor 'physics.sources' row \(l): the centre must be within ±\(ModelFileLimits.maxCoordinate) m")
            }
            var s = ImageSource(center: p(0), frame: (p(3), p(6), p(9)), gain: Complex(v[r + 12], v[r + 13]))
            s.gainSlope = (Complex(v[r + 14], v[r + 15]), Complex(v[r + 16], v[r + 17]), Complex(v[r + 18], v[r + 19]))
            sources.append(s)
        }
        if let diffracted = info.diffracted {
            try Self.readEdges(file: file, path: path, into: &sources, expected: diffracted)
        }
        let g = info.gainReference
        self.init(
            sources: sources, antennas: try h.antennaPoints(file: path), frequencies: h.frequencies, carrier: h.carrier,
            phaseModel: phase, gainReference: Point3(g[0], g[1], g[2]), scale: h.scale)
        if let gm = info.gainMap {
            guard gm.nx >= 1, gm.ny >= 1, gm.spacing > 0, gm.spacing.isFinite else {
                throw ModelFileError(file: path, "invalid gain map grid")
            }
            let t = try file.tensor("physics.gain_map", shape: [info.sources, gm.ny, gm.nx, 2], file: path)
            guard t.isDouble else { throw ModelFileError(file: path, "tensor 'physics.gain_map' must be float64") }
            gainMap = GainMap(
                originX: gm.originX, originY: gm.originY, spacing: gm.spacing, nx: gm.nx, ny: gm.ny,
                paths: info.sources, values: t.doubles)
        }
    }
}

extension ImageSourceModel {
    /// Attaches the edges of `physics.edges` to `sources`: each row's flag must be 0 or 1, `expected` rows must be
    /// 1, their points within the coordinate limit and their directions non-zero (they are normalised).
    static func readEdges(file: ModelFile, path: String, into sources: inout [ImageSource], expected: Int) throws {
        let t = try file.tensor("physics.edges", shape: [sources.count, edgeColumns], file: path)
        guard t.isDouble else { throw ModelFileError(file: path, "tensor 'physics.edges' must be float64") }
        let v = t.doubles, limit = ModelFileLimits.maxCoordinate
        var count = 0
        for l in sources.indices {
            let r = l * edgeColumns
            guard v[r] == 0 || v[r] == 1 else {
                throw ModelFileError(file: path, "tensor 'physics.edges' row \(l): flag \(v[r]) is neither 0 nor 1")
            }
            guard v[r] == 1 else { continue }
            let point = Point3(v[r + 1], v[r + 2], v[r + 3]), direction = Point3(v[r + 4], v[r + 5], v[r + 6])
            guard point.x.isFinite, point.y.isFinite, point.z.isFinite,
                max(abs(point.x), abs(point.y), abs(point.z)) <= limit, direction.length > 1e-9,
                direction.length.isFinite
            else {
                throw ModelFileError(
                    file: path,
                    "tensor 'physics.edges' row \(l): the point must be within ±\(limit) m and the direction non-zero")
            }
            sources[l].edge = EdgeLine(
                point: point, direction: direction, wedge: try readWedge(v, row: l, direction: direction, path: path))
            count += 1
        }
        guard count == expected else {
            throw ModelFileError(
                file: path,
                "header 'physics.diffracted' says \(expected) diffracted paths, 'physics.edges' has \(count)")
        }
    }
}

extension ImageSourceModel {
    /// The wedge of row `l` of `physics.edges` (`v`), nil when its flag is 0 (every wedge column then 0); else its
    /// faces must be unit vectors perpendicular to the edge and to each other, 1 < n ≤ 2, and the reflection
    /// coefficients finite with |Γ| ≤ 1.
    static func readWedge(_ v: [Double], row l: Int, direction: Point3, path: String) throws -> EdgeWedge? {
        let r = l * edgeColumns + 7
        func fail(_ problem: String) -> ModelFileError {
            ModelFileError(file: path, "tensor 'physics.edges' row \(l): \(problem)")
        }
        guard v[r] == 1 else {
            guard v[r] == 0, v[(r + 1)..<(r + 12)].allSatisfy({ $0 == 0 }) else {
                throw fail("wedge flag \(v[r]) is not 1 and the wedge columns are not all 0")
            }
            return nil
        }
        let face0 = Point3(v[r + 1], v[r + 2], v[r + 3]), binormal = Point3(v[r + 4], v[r + 5], v[r + 6])
        let axis = direction / direction.length, tolerance = 1e-6
        guard abs(face0.length - 1) <= tolerance, abs(binormal.length - 1) <= tolerance,
            abs(face0.dot(axis)) <= tolerance, abs(binormal.dot(axis)) <= tolerance,
            abs(face0.dot(binormal)) <= tolerance
        else {
            throw fail("the wedge's face 0 and binormal must be unit vectors perpendicular to the edge and each other")
        }
        let n = v[r + 7]
        guard n > 1, n <= 2 else { throw fail("the wedge's n must be in (1, 2] (exterior angle nπ), got \(n)") }
        let reflection = (Complex(v[r + 8], v[r + 9]), Complex(v[r + 10], v[r + 11]))
        guard [reflection.0, reflection.1].allSatisfy({ $0.isFinite && $0.lengthSquared <= 1 + 1e-9 }) else {
            throw fail("the faces' reflection coefficients must be finite with |Γ| ≤ 1")
        }
        return EdgeWedge(
            face0: face0, binormal: binormal, n: n, reflection0: reflection.0, reflectionN: reflection.1)
    }
}

extension ModelHeader {
    /// Antenna positions as points, validated.
    func antennaPoints(file: String) throws -> [Point3] {
        guard !antennas.isEmpty, antennas.allSatisfy({ $0.count == 3 && $0.allSatisfy(\.isFinite) }) else {
            throw ModelFileError(file: file, "header 'antennas' must be a non-empty list of [x, y, z]")
        }
        return antennas.map { Point3($0[0], $0[1], $0[2]) }
    }

    /// Where the model was trained: the default localization region (flat at the training height when all
    /// training points share one).
    public var trainingRegion: Region {
        let lo = training.boundsMin, hi = training.boundsMax
        if let h = training.height { return Region(x: lo[0]...hi[0], y: lo[1]...hi[1], z: h...h) }
        return Region(x: lo[0]...hi[0], y: lo[1]...hi[1], z: lo[2]...hi[2])
    }
}
