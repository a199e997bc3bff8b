import Testing

@testable import CSIChannel
@testable import CSIModel

/// `ImageGeometry` against images mirrored by hand: walls x = −6 (the array's own wall is x = −6.2) and
/// y = 5, a floor z = 0; a 4 × 4 planar array in the plane x = −5.8 (axes y and z), survey plane z = 1.
@Suite struct ImageGeometryTests {
    let antennas: [Point3] = (0..<4).flatMap { i in
        (0..<4).map { k in
            Point3(-5.8, -0.064 + 0.0428 * Double(i), 2.336 + 0.0428 * Double(k))
        }
    }
    var array: ArrayFrame { ArrayFrame(antennas: antennas) }

    /// Mirror of a point and of a frame through x = a (normal ±x), y = b or z = c, written out per axis.
    func mirror(_ p: Point3, axis: Int, at value: Double) -> Point3 {
        var q = p; q[axis] = 2 * value - p[axis]; return q
    }
    func mirror(_ f: (Point3, Point3, Point3), axis: Int) -> (Point3, Point3, Point3) {
        func m(_ v: Point3) -> Point3 { var w = v; w[axis] = -v[axis]; return w }
        return (m(f.0), m(f.1), m(f.2))
    }
    func source(_ c: Point3, _ f: (Point3, Point3, Point3)) -> ImageSource { ImageSource(center: c, frame: f) }

    @Test func firstOrderImagesRevealTheirWallsAndPredictTheSecondOrder() {
        let a = array
        let north = source(mirror(a.center, axis: 1, at: 5), mirror(a.axes, axis: 1))
        let floorTrue = source(mirror(a.center, axis: 2, at: 0), mirror(a.axes, axis: 2))
        // The fitter keeps flat-survey sources above the survey plane: the floor image is seen mirrored (z = 4.4).
        let floorSeen = ImageSourceFitter.mirrorAbove(floorTrue, z0: 1)
        #expect(floorSeen.center.z > 1)
        let geometry = ImageGeometry(array: a, surveyHeight: 1, surveyCentre: Point3(0, 0, 1))
        let planes = geometry.planes(from: [source(a.center, a.axes), north, floorSeen])
        // Exactly the two walls: the direct path reveals none, and the floor's mirrored reading (z = 3.4)
        // fails the frame check.
        #expect(planes.count == 2)
        #expect(planes.contains { abs(abs($0.normal.y) - 1) < 1e-12 && abs($0.point.y - 5) < 1e-12 })
        #expect(planes.contains { abs(abs($0.normal.z) - 1) < 1e-12 && abs($0.point.z) < 1e-12 })

        // Floor then north wall: the image of the floor image through y = 5 (and kept above the survey plane).
        let second = mirror(mirror(a.center, axis: 2, at: 0), axis: 1, at: 5)
        let secondFrame = mirror(mirror(a.axes, axis: 2), axis: 1)
        let expected = ImageSourceFitter.mirrorAbove(source(second, secondFrame), z0: 1)
        let predictions = geometry.predictions(from: [source(a.center, a.axes), north, floorSeen])
        let match = predictions.first { ($0.center - expected.center).length < 1e-9 }
        #expect(match != nil)
        if let match {
            #expect((match.e1 - expected.e1).length < 1e-12)
            #expect((match.e2 - expected.e2).length < 1e-12)
        }
        // Nothing predicted on top of a fitted source or the array.
        for p in predictions {
            for s in [a.center, north.center, floorSeen.center] { #expect((p.center - s).length >= 0.25) }
        }
    }

    @Test func secondOrderSourcesRevealNoPlaneAndWrongSidesAreSkipped() {
        let a = array
        let corner = mirror(mirror(a.center, axis: 1, at: 5), axis: 0, at: 6)
        let cornerFrame = mirror(mirror(a.axes, axis: 1), axis: 0)
        let geometry = ImageGeometry(array: a, surveyHeight: nil, surveyCentre: Point3(0, 0, 1))
        // A double reflection's frame is a rotation, not the mirror through the bisector: no plane.
        #expect(geometry.planes(from: [source(corner, cornerFrame)]).isEmpty)
        // A reflector is one the array and the survey are on the same side of.
        let behind = source(mirror(a.center, axis: 0, at: -7), mirror(a.axes, axis: 0)) // x = −7: both on +x
        #expect(geometry.planes(from: [behind]).count == 1)
        let across = source(mirror(a.center, axis: 0, at: 3), mirror(a.axes, axis: 0)) // x = 3: both on −x
        #expect(geometry.planes(from: [across]).count == 1)
        let between = source(mirror(a.center, axis: 0, at: -2), mirror(a.axes, axis: 0)) // x = −2 separates them
        #expect(geometry.planes(from: [between]).isEmpty)
    }
}
