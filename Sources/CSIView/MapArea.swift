import Foundation

/// The horizontal extent the live map shows: the survey (search) region of a model or scene, or, when none is
/// given, the bounds of the fixes seen so far. Metres in the scene frame of the fixes (docs/protocol.md §2).
public struct MapArea: Sendable, Equatable, Codable {
    /// Where the extent came from: `"model"`, `"scene"`, `"region"` (given on the command line) or `"fixes"`.
    var source: String
    /// x range, metres: `[min, max]`.
    public var x: [Double]
    /// y range, metres: `[min, max]`.
    public var y: [Double]

    /// Largest coordinate magnitude accepted, metres: a site is far smaller; anything beyond is a bad input.
    static let maxCoordinate = 1e6

    /// Validates the ranges: finite, `min < max`, within ±``maxCoordinate``.
    ///
    /// - Throws: ``ViewError`` naming the bad range.
    public init(source: String, x: ClosedRange<Double>, y: ClosedRange<Double>) throws(ViewError) {
        for (name, r) in [("x", x), ("y", y)] {
            guard r.lowerBound.isFinite, r.upperBound.isFinite, r.lowerBound < r.upperBound,
                abs(r.lowerBound) <= Self.maxCoordinate, abs(r.upperBound) <= Self.maxCoordinate
            else {
                throw ViewError(
                    "the map's \(name) range \(r.lowerBound)...\(r.upperBound) must be finite, increasing and within ±\(Self.maxCoordinate) m"
                )
            }
        }
        self.source = source
        self.x = [x.lowerBound, x.upperBound]
        self.y = [y.lowerBound, y.upperBound]
    }

    /// Parses `x0:x1,y0:y1` (metres), e.g. `-5:5,0:12`.
    ///
    /// - Throws: ``ViewError`` naming the text.
    public init(parsing text: String) throws(ViewError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let ranges = parts.map {
            $0.split(separator: ":", omittingEmptySubsequences: false).map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
        }
        guard ranges.count == 2, ranges.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0 != nil } }) else {
            throw ViewError("'\(text)' is not a region: give x0:x1,y0:y1 in metres, e.g. -5:5,0:12")
        }
        let v = ranges.map { $0.map { $0! } }
        guard v[0][0] < v[0][1], v[1][0] < v[1][1] else {
            throw ViewError("region '\(text)': each range must be increasing (x0 < x1, y0 < y1)")
        }
        try self.init(source: "region", x: v[0][0]...v[0][1], y: v[1][0]...v[1][1])
    }
}
