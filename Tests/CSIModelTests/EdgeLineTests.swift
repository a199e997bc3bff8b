import CSINumerics
import Foundation
import Numerics
import Testing

@testable import CSIChannel
@testable import CSIModel

/// The diffracted path's geometry (`EdgeLine`) against independent computations: Fermat's principle by direct
/// minimisation over the line, central differences of its length, the mirror symmetry of flat surveys; and the
/// model file carrying it.
@Suite struct EdgeLineTests {
    static let edge = EdgeLine(point: Point3(-2, 3.1, 0.4), direction: Point3(0.1, -0.05, 1))
    static let cases: [(Point3, Point3)] = [
        (Point3(-6, 9.5, 2.5), Point3(0.3, 0.1, 1)), (Point3(-45, -3, 8), Point3(-5, 15, 1.5)),
        (Point3(1, 1, 7), Point3(-4, 6, 0.2)),
    ]

    /// The point Q of the line minimising ‖e − Q‖ + ‖Q − x‖, by golden-section search (the sum is convex along a
    /// line): Keller's point, found without the unfolded closed form.
    static func kellerPoint(_ e: Point3, _ x: Point3) -> Point3 {
        let t = edge.direction, q = edge.point
        func f(_ s: Double) -> Double { (e - (q + t * s)).length + (x - (q + t * s)).length }
        var lo = -1000.0, hi = 1000.0
        let g = (5.0.squareRoot() - 1) / 2
        for _ in 0..<200 {
            let a = hi - g * (hi - lo), b = lo + g * (hi - lo)
            if f(a) < f(b) { hi = b } else { lo = a }
        }
        return q + t * ((lo + hi) / 2)
    }

    /// min over points Q of the line of ‖e − Q‖ + ‖Q − x‖ (Fermat's principle).
    static func fermat(_ e: Point3, _ x: Point3) -> Double {
        let q = kellerPoint(e, x)
        return (e - q).length + (x - q).length
    }

    @Test func pathLengthIsTheShortestPathTouchingTheLine() {
        for (e, x) in Self.cases {
            let l = Self.edge.pathLength(from: e, to: x)
            #expect(abs(l - Self.fermat(e, x)) <= 1e-9 * l, "\(e) → \(x)")
            // Keller's point: on the line, and the two legs through it add up to the path
            let q = Self.edge.diffractionPoint(from: e, to: x)
            #expect(Self.edge.coordinates(q).radial.length <= 1e-12)
            #expect(abs((e - q).length + (x - q).length - l) <= 1e-9 * l)
            // and the unfolded point is at that distance from x
            #expect(abs((x - Self.edge.unfolded(e, seenFrom: x)).length - l) <= 1e-12 * l)
        }
    }

    @Test func gradientsMatchCentralDifferences() {
        let h = 1e-6
        for (e, x) in Self.cases {
            let v = Self.edge.unfolded(e, seenFrom: x), l = (x - v).length
            let towardX = (x - v) / l // ∂L/∂x
            let fromE = Self.edge.sourceDirection(from: e, to: x) // −∂L/∂e
            for c in 0..<3 {
                var d = Point3.zero; d[c] = h
                let dx =
                    (Self.edge.pathLength(from: e, to: x + d) - Self.edge.pathLength(from: e, to: x - d)) / (2 * h)
                let de =
                    (Self.edge.pathLength(from: e + d, to: x) - Self.edge.pathLength(from: e - d, to: x)) / (2 * h)
                #expect(abs(dx - towardX[c]) <= 1e-7, "∂L/∂x\(c) at \(x)")
                #expect(abs(-de - fromE[c]) <= 1e-7, "∂L/∂e\(c) at \(e)")
            }
        }
    }

    /// The UTD spreading r = √(s s′ (s + s′)) from the legs to and from Keller's point found by direct minimisation
    /// (not from the unfolded closed form), its log-gradients against central differences of ln(1/r), and the
    /// value kernel's form.
    @Test func spreadingIsTheUTDDivisorOfTheTwoLegs() {
        let h = 1e-6
        for (e, x) in Self.cases {
            // Keller's point by direct minimisation over the line, then the two legs.
            let q = Self.kellerPoint(e, x)
            let sPrime = (e - q).length, s = (x - q).length
            let expected = (s * sPrime * (s + sPrime)).squareRoot()
            let spread = Self.edge.spreading(from: e, to: x)
            #expect(abs(spread.divisor - expected) <= 1e-8 * expected, "\(e) → \(x)")
            let (ax, rx) = Self.edge.coordinates(x)
            #expect(
                abs(Self.edge.spreadingDivisor(from: e, toAlong: ax, radius: rx.length) - spread.divisor)
                    <= 1e-12 * spread.divisor)
            func logAmplitude(_ e: Point3, _ x: Point3) -> Double { -log(Self.edge.spreading(from: e, to: x).divisor) }
            for c in 0..<3 {
                var d = Point3.zero; d[c] = h
                let dx = (logAmplitude(e, x + d) - logAmplitude(e, x - d)) / (2 * h)
                let de = (logAmplitude(e + d, x) - logAmplitude(e - d, x)) / (2 * h)
                #expect(abs(dx - spread.logGradientX[c]) <= 1e-7, "∂ln(1/r)/∂x\(c) at \(x)")
                #expect(abs(de - spread.logGradientE[c]) <= 1e-7, "∂ln(1/r)/∂e\(c) at \(e)")
            }
        }
        // On the line itself (a search candidate inside the wall) the spreading stays finite and positive.
        let onLine = Self.edge.point + Self.edge.direction * 2
        let r = Self.edge.spreading(from: Self.cases[0].0, to: onLine)
        #expect(r.divisor.isFinite && r.divisor > 0 && r.logGradientX.x.isFinite)
    }

    @Test func mirroringSourceAndEdgeThroughTheSurveyPlaneKeepsThePathsInIt() {
        let z0 = 1.5
        let m = Self.edge.mirrored(z0: z0)
        for (e, x) in Self.cases {
            let onPlane = Point3(x.x, x.y, z0)
            let mirroredSource = Point3(e.x, e.y, 2 * z0 - e.z)
            let a = Self.edge.pathLength(from: e, to: onPlane), b = m.pathLength(from: mirroredSource, to: onPlane)
            #expect(abs(a - b) <= 1e-12 * a)
        }
    }

    @Test func aStraightPathIsUnchangedByTheEdgeType() {
        // Without an edge the apparent element is the element itself.
        let s = ImageSource(center: Point3(1, 2, 3), frame: (Point3(1, 0, 0), Point3(0, 1, 0), Point3(0, 0, 1)))
        let o = SIMD3(0.1, -0.2, 0.05)
        #expect(s.apparentElement(o, seenFrom: Point3(5, 5, 1)) == s.element(o))
    }

    /// A model with a diffracted path, written and read back: the same channel; hostile `physics.edges` tensors
    /// are refused with a message naming them.
    @Test func diffractedPathsSurviveTheModelFileAndBadEdgesAreRefused() throws {
        let m = sampleModel(.spherical, edge: true, wedge: true)
        var header = ModelFileTests.sampleFile().header
        header.physics = m.physicsInfo
        #expect(header.physics?.diffracted == 1)
        let file = ModelFile(header: header, tensors: m.tensors)
        let back = try ImageSourceModel(file: try ModelFile.decode(try file.encoded(), file: "m"), path: "m")
        let xs = [Point3(0.1, 0.2, 1), Point3(2, -3, 1)]
        #expect(back.channels(at: xs) == m.channels(at: xs))
        #expect(back.sources.map(\.edge) == m.sources.map(\.edge))
        // Files without diffracted paths carry neither the key nor the tensor and stay format version 1; with them
        // the file is version 3 (an older csiloc refuses it rather than read straight paths), a version that
        // disagrees with the header is refused, and version 2 (diffracted paths with amplitude 1/length) is refused
        // with a message to retrain.
        let plain = sampleModel(.spherical)
        #expect(plain.physicsInfo.diffracted == nil && !plain.tensors.contains { $0.name == "physics.edges" })
        var plainHeader = header
        plainHeader.physics = plain.physicsInfo
        let plainBytes = try ModelFile(header: plainHeader, tensors: plain.tensors).encoded()
        let edgeBytes = try file.encoded()
        #expect(plainBytes[8] == 1 && edgeBytes[8] == 3)
        func withVersion(_ bytes: [UInt8], _ v: UInt8) -> [UInt8] {
            var b = Array(bytes.prefix(bytes.count - 32))
            b[8] = v
            var sha = SHA256()
            sha.update(b)
            return b + sha.finalize()
        }
        for (bytes, v) in [(edgeBytes, UInt8(1)), (plainBytes, 3), (plainBytes, 4)] {
            #expect(throws: ModelFileError.self) { try ModelFile.decode(withVersion(bytes, v), file: "m") }
        }
        #expect {
            try ModelFile.decode(withVersion(edgeBytes, 2), file: "m")
        } throws: { "\($0)".contains("train the model again") }

        func refused(_ edit: (inout [Double]) -> Void, diffracted: Int = 1) -> String? {
            var tensors = m.tensors
            let i = tensors.firstIndex { $0.name == "physics.edges" }!
            var values = tensors[i].doubles
            edit(&values)
            tensors[i] = ModelTensor(name: "physics.edges", shape: tensors[i].shape, doubles: values)
            var h = header
            h.physics?.diffracted = diffracted
            do {
                _ = try ImageSourceModel(file: ModelFile(header: h, tensors: tensors), path: "m")
                return nil
            } catch { return "\(error)" }
        }
        let row = 2 * ImageSourceModel.edgeColumns
        #expect(refused({ $0[row] = 2 })?.contains("neither 0 nor 1") == true)
        #expect(refused({ for c in 4...6 { $0[row + c] = 0 } })?.contains("direction non-zero") == true)
        #expect(refused({ $0[row + 1] = 1e12 })?.contains("within") == true)
        #expect(refused({ _ in }, diffracted: 2)?.contains("physics.diffracted") == true)
        // The wedge: its flag, its faces (unit, perpendicular to the edge and each other), n, |Γ| ≤ 1.
        let w = row + 7
        #expect(refused({ $0[w] = 0.5 })?.contains("wedge flag") == true)
        #expect(
            refused({
                $0[w] = 0; $0[w + 7] = 1.5
            })?.contains("wedge flag") == true)
        #expect(refused({ $0[w + 1] *= 2 })?.contains("unit vectors") == true)
        #expect(refused({ $0[w + 4] = .nan })?.contains("unit vectors") == true)
        #expect(refused({ $0[w + 7] = 2.5 })?.contains("(1, 2]") == true)
        #expect(refused({ $0[w + 7] = 1 })?.contains("(1, 2]") == true)
        #expect(refused({ $0[w + 8] = 1.2 })?.contains("|Γ| ≤ 1") == true)
        #expect(refused({ $0[w + 11] = .infinity })?.contains("|Γ| ≤ 1") == true)
        // Without a wedge (flag 0, zeros) the file is valid: the coefficient is then left to the gain.
        #expect(refused({ for c in w..<(w + 12) { $0[c] = 0 } }) == nil)
    }
}
