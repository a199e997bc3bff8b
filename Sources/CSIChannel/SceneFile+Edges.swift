import Numerics
import StrictYAML

/// One entry of `edges:` (docs/scenes.md, "Diffraction"): a finite wedge edge. Strict: unknown keys, non-finite
/// numbers and degenerate geometry are errors naming the key.
struct EdgeSpec: Decodable {
    var edge: DiffractingEdge
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, point, direction, length, face, reflection
        case exteriorAngle = "exterior_angle", faceDepth = "face_depth"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let name = try c.value(.name, default: "edge")
        let point = try c.decode([Double].self, forKey: .point)
        let direction = try c.decode([Double].self, forKey: .direction)
        let length = try c.decode(Double.self, forKey: .length)
        let face = try c.decode([Double].self, forKey: .face)
        let angle = try c.value(.exteriorAngle, default: 270.0)
        let depth = try c.decode([Double].self, forKey: .faceDepth)
        let refl = try c.value(.reflection, default: [[-1.0, 0.0], [-1.0, 0.0]])
        try c.require(point.count == 3 && point.allSatisfy(\.isFinite), .point, "must be 3 finite numbers [x, y, z]")
        try c.require(
            direction.count == 3 && direction.allSatisfy(\.isFinite) && direction.contains { $0 != 0 }, .direction,
            "must be a finite non-zero vector [x, y, z]")
        try c.require(
            length.isFinite && length > 0 && length <= 1e6, .length, "must be in (0, 1e6] metres, got \(length)")
        try c.require(
            face.count == 3 && face.allSatisfy(\.isFinite) && face.contains { $0 != 0 }, .face,
            "must be a finite non-zero vector [x, y, z] along face 0, away from the edge")
        let e = Point3(direction[0], direction[1], direction[2]).normalized
        let f = Point3(face[0], face[1], face[2]).normalized
        try c.require(abs(e.dot(f)) < 0.999, .face, "must not be parallel to 'direction'")
        try c.require(
            angle.isFinite && angle > 180 && angle <= 360, .exteriorAngle,
            "must be in (180, 360] degrees (270: a right-angled corner, 360: a half-plane), got \(angle)")
        try c.require(
            depth.count == 2 && depth.allSatisfy { $0.isFinite && $0 > 0 && $0 <= 1e7 }, .faceDepth,
            "must be [face 0, face n] in metres, both in (0, 1e7]")
        try c.require(
            refl.count == 2 && refl.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isFinite) }, .reflection,
            "must be [[re, im], [re, im]]: the reflection coefficients of face 0 and face n")
        try c.require(
            refl.allSatisfy { $0[0] * $0[0] + $0[1] * $0[1] <= 1 + 1e-12 }, .reflection,
            "magnitudes must be ≤ 1 (passive faces)")
        edge = DiffractingEdge(
            name: name, origin: Point3(point[0], point[1], point[2]), direction: e, length: length,
            face0: f, n: angle / 180, faceDepth: (depth[0], depth[1]),
            reflection: (Complex(refl[0][0], refl[0][1]), Complex(refl[1][0], refl[1][1])))
    }
}
