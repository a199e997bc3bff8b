import CSIChannel
import Foundation

/// Checks of every number a model file holds, before any of it is used (issue 13, class 2).
///
/// The SHA-256 trailer is only a checksum: anyone can write a file with a valid one. So the loader treats a
/// model file like any other input — every header field and tensor value is checked to be finite and in range,
/// every size is bounded — and an error names the file and the field. What the limits allow is far beyond any
/// model `csiloc train` writes (docs/model.md, "Model files").
public enum ModelFileLimits {
    /// Largest |coordinate| (antennas, training bounds and height, gain-map origin, network geometry), m.
    static let maxCoordinate = 1e6
    /// Frequencies and carrier, Hz.
    static let frequencyRange: ClosedRange<Double> = 1e3...1e13
    static let maxAntennas = 4096
    static let maxSubcarriers = 16384
    /// Image sources of a physics model.
    public static let maxSources = 100_000
    /// Gain-map nodes per axis.
    static let maxGainMapSide = 1 << 16
    /// Hidden layers per network branch and units per layer.
    static let maxLayers = 16
    static let maxWidth = 4096
    /// MB-INR atoms, rings; random Fourier features.
    static let maxAtoms = 4096
    static let maxFeatures = 4096
    /// Parameters a network may declare (2²⁶ Floats = 256 MiB).
    static let maxParameters = 1 << 26
}

extension ModelFile {
    /// Every header field and every tensor value checked; `path` names the file in errors.
    public func validate(path: String) throws {
        func fail(_ field: String, _ message: String) -> ModelFileError {
            ModelFileError(file: path, "header '\(field)': \(message)")
        }
        let h = header
        let coordinate = ModelFileLimits.maxCoordinate
        func isCoordinate(_ v: Double) -> Bool { v.isFinite && abs(v) <= coordinate }
        let frequencies = ModelFileLimits.frequencyRange

        guard (1...ModelFileLimits.maxAntennas).contains(h.antennas.count),
            h.antennas.allSatisfy({ $0.count == 3 && $0.allSatisfy(isCoordinate) })
        else {
            throw fail(
                "antennas",
                "must be 1...\(ModelFileLimits.maxAntennas) points [x, y, z] with finite coordinates within ±\(coordinate) m"
            )
        }
        guard (1...ModelFileLimits.maxSubcarriers).contains(h.frequencies.count),
            h.frequencies.allSatisfy({ $0.isFinite && frequencies.contains($0) })
        else {
            throw fail(
                "frequencies",
                "must be 1...\(ModelFileLimits.maxSubcarriers) finite frequencies in \(frequencies.lowerBound)...\(frequencies.upperBound) Hz"
            )
        }
        guard h.carrier.isFinite, frequencies.contains(h.carrier) else {
            throw fail(
                "carrier",
                "must be a finite frequency in \(frequencies.lowerBound)...\(frequencies.upperBound) Hz, got \(h.carrier)"
            )
        }
        guard h.scale.isFinite, h.scale > 0, (1 / h.scale).isFinite else {
            throw fail("scale", "must be a finite number > 0 with a finite inverse, got \(h.scale)")
        }
        let t = h.training
        guard t.boundsMin.count == 3, t.boundsMax.count == 3, (t.boundsMin + t.boundsMax).allSatisfy(isCoordinate)
        else {
            throw fail(
                "training.boundsMin/boundsMax", "must be [x, y, z] with finite coordinates within ±\(coordinate) m")
        }
        for c in 0..<3 where t.boundsMin[c] > t.boundsMax[c] {
            throw fail(
                "training.boundsMin/boundsMax",
                "inverted on \(["x", "y", "z"][c]): [\(t.boundsMin[c]), \(t.boundsMax[c])]")
        }
        if let height = t.height, !isCoordinate(height) {
            throw fail("training.height", "must be finite and within ±\(coordinate) m, got \(height)")
        }
        guard h.trainingNuisance != nil else {
            throw fail(
                "nuisance",
                "unknown nuisance '\(h.nuisance ?? "")' (known: \(NuisanceModel.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        if let p = h.physics {
            guard (0...ModelFileLimits.maxSources).contains(p.sources) else {
                throw fail("physics.sources", "must be in 0...\(ModelFileLimits.maxSources), got \(p.sources)")
            }
            if let d = p.diffracted, d < 1 || d > p.sources {
                throw fail("physics.diffracted", "must be in 1...\(p.sources) (the number of paths), got \(d)")
            }
            guard p.gainReference.count == 3, p.gainReference.allSatisfy(isCoordinate) else {
                throw fail("physics.gainReference", "must be [x, y, z] with finite coordinates within ±\(coordinate) m")
            }
            if let m = p.gainMap {
                let side = 1...ModelFileLimits.maxGainMapSide
                guard isCoordinate(m.originX), isCoordinate(m.originY), m.spacing.isFinite, m.spacing > 0,
                    side.contains(m.nx), side.contains(m.ny)
                else {
                    throw fail(
                        "physics.gainMap",
                        "needs a finite origin within ±\(coordinate) m, a finite spacing > 0 and 1...\(ModelFileLimits.maxGainMapSide) nodes per axis"
                    )
                }
            }
        }
        if let q = h.quality { try q.validate(training: t, validationPoints: h.validation.points, path: path) }
        if let json = h.neural?["architecture"],
            let architecture = try? JSONDecoder().decode(NeuralArchitecture.self, from: Data(json.utf8))
        {
            try architecture.validate(antennas: h.antennas.count, subcarriers: h.frequencies.count, path: path)
        }
        for tensor in tensors {
            let finite = tensor.isDouble ? tensor.doubles.allSatisfy(\.isFinite) : tensor.floats.allSatisfy(\.isFinite)
            guard finite else {
                throw ModelFileError(file: path, "tensor '\(tensor.name)' holds a value that is not finite")
            }
        }
    }
}

extension NeuralArchitecture {
    /// Bounds every size and checks every number of a network description read from a file, before the network
    /// declares (allocates) its parameters.
    func validate(antennas: Int, subcarriers: Int, path: String) throws {
        func fail(_ message: String) -> ModelFileError {
            ModelFileError(file: path, "header 'neural.architecture': \(message)")
        }
        let g = geometry
        func finite(_ p: Point3) -> Bool { p.x.isFinite && p.y.isFinite && p.z.isFinite }
        func coordinate(_ p: Point3) -> Bool {
            finite(p) && max(abs(p.x), abs(p.y), abs(p.z)) <= ModelFileLimits.maxCoordinate
        }
        guard g.antennas.count == antennas, g.frequencies.count == subcarriers else {
            throw fail(
                "geometry has \(g.antennas.count) antennas × \(g.frequencies.count) frequencies, the header \(antennas) × \(subcarriers)"
            )
        }
        guard g.antennas.allSatisfy(coordinate),
            g.frequencies.allSatisfy({ $0.isFinite && ModelFileLimits.frequencyRange.contains($0) }),
            g.referenceFrequency.isFinite, ModelFileLimits.frequencyRange.contains(g.referenceFrequency),
            coordinate(g.origin), coordinate(g.arrayReference), finite(g.halfExtent),
            g.halfExtent.x > 0, g.halfExtent.y > 0, g.halfExtent.z > 0,
            (2...3).contains(g.inputDimensions), (1...3).contains(g.arrayBasis.count), g.arrayBasis.allSatisfy(finite)
        else {
            throw fail(
                "geometry: antennas, frequencies, reference frequency, origin, half extent (> 0), input dimensions (2 or 3) or array basis (1–3 vectors) out of range or not finite"
            )
        }
        let widthRange = 1...ModelFileLimits.maxWidth
        func checkWidths(_ w: [Int], _ name: String) throws {
            guard w.count <= ModelFileLimits.maxLayers, w.allSatisfy(widthRange.contains) else {
                throw fail(
                    "\(name) must be at most \(ModelFileLimits.maxLayers) layers of 1...\(ModelFileLimits.maxWidth) units, got \(w.prefix(8))"
                )
            }
        }
        /// Parameters of an MLP with these layer widths (weights and biases), in floating point (no overflow).
        func parameters(_ widths: [Int]) -> Double {
            zip(widths, widths.dropFirst()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) + Double($1.1) }
        }
        let d = g.inputDimensions, out = 2 * antennas * subcarriers
        var total = 0.0
        switch self {
        case .mbinr(let c):
            guard (1...ModelFileLimits.maxAtoms).contains(c.atomCount), (1...64).contains(c.rings.count),
                c.rings.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1 })
            else {
                throw fail("atomCount must be in 1...\(ModelFileLimits.maxAtoms) and rings 1...64 radii in (0, 1]")
            }
            guard c.delayScale.isFinite, c.delayScale > 0, c.gateTemperature.isFinite, c.gateTemperature > 0,
                c.curvatureScale.isFinite
            else {
                throw fail("delayScale and gateTemperature must be finite and > 0, curvatureScale finite")
            }
            try checkWidths(c.amplitudeWidths, "amplitudeWidths")
            try checkWidths(c.directionWidths, "directionWidths")
            try checkWidths(c.delayWidths, "delayWidths")
            let n = c.atomCount, rank = g.arrayBasis.count
            total =
                2 * parameters([d] + c.amplitudeWidths + [n])
                + parameters([d] + c.directionWidths + [n * rank + (c.antennaCurvature ? n : 0)])
                + parameters([d] + c.delayWidths + [n]) + Double(n * d)
        case .fieldMLP(let c):
            try checkWidths(c.hiddenWidths, "hiddenWidths")
            var input = d
            if case .randomFourier(let m, let sigma, _) = c.encoding {
                guard (1...ModelFileLimits.maxFeatures).contains(m), sigma.isFinite else {
                    throw fail("random Fourier features must be 1...\(ModelFileLimits.maxFeatures) with a finite sigma")
                }
                input = 2 * m
            }
            total = parameters([input] + c.hiddenWidths + [out])
        }
        guard total <= Double(ModelFileLimits.maxParameters) else {
            throw fail("the network declares \(total) parameters, above the limit of \(ModelFileLimits.maxParameters)")
        }
    }
}
