public import CSIChannel
public import CSISearch
import StrictYAML

/// `search:` — a named search method (docs/localization.md) plus overrides of the `LocalizerConfiguration`
/// fields an operator may need to tune. Absent keys keep the method's value.
///
/// Keys are the snake_case names of the `LocalizerConfiguration` fields, with the unit as a suffix where the
/// field is a length (`global_spacing_m`), so a YAML file reads without the Swift source at hand.
public struct SearchSettings: Sendable, Equatable, Decodable {
    /// The preset every override starts from.
    public var method: SearchMethod
    /// The searched box; `nil` = the model's training region (or the oracle scene's UE region).
    var region: SearchRegion?
    var globalMeasure: GlobalMeasure?
    var globalSpacing: Double?
    var globalPrescreenStride: Int?
    var globalPrescreenKeep: Int?
    var localGrid: Bool?
    var localHalfWidth: Double?
    var localStepWavelengths: Double?
    var refinement: RefinementMethod?
    var maxIterations: Int?
    var gradientSteps: Int?
    var circles: Bool?
    var circleOrders: [Int]?
    var circleContractions: [Double]?
    var circleCandidatesToRefine: Int?
    /// Circles only where they could change the fix (`LocalizerConfiguration.adaptiveCircles`); default true.
    var adaptiveCircles: Bool?
    /// The ambiguity stage only where a near-repeat could still be the fix (`adaptiveAmbiguity`); default true.
    var adaptiveAmbiguity: Bool?
    /// 3-D searches with a linear array: the arc stage about the array axis.
    var arc: Bool?
    /// 3-D searches with a linear array: the span stage in place of the local lattice (`arcSpan`); default true.
    var arcSpan: Bool?
    /// Nuisance parameters removed per frame (absent: the model's declared nuisance).
    public var nuisance: NuisanceModel?
    /// Known SNR, dB (sets `noiseFloor = .snrDB`); absent = estimated per frame.
    var noiseSNRdB: Double?
    /// Whether a frame's header `snr_db` (when plausible) sets its noise level (`LocalizerConfiguration.reportedSNR`);
    /// default true. `noise_snr_db` takes precedence.
    var reportedSNR: Bool?
    var grossErrorSigmas: Double?
    /// Whether the fix status allows for the model's local error (its quality map); default true.
    var modelQuality: Bool?
    /// Quantile of the local model NMSE allowed at a correct fix, in standard deviations of its log (0...10).
    var modelErrorSigmas: Double?
    /// Local model ambiguity (0...1) above which fixes are `model-untrusted`.
    var untrustedAmbiguity: Double?
    /// Whether fixes a refined runner-up could have displaced are `ambiguous`; default true.
    var flagAmbiguous: Bool?
    /// Share of the fix's model error that may line up with the fix–runner-up difference (0...1).
    var runnerUpAlignment: Double?
    /// Noise deviations by which a runner-up must lose (0...10).
    var runnerUpSigmas: Double?
    var carrier: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, region
        case globalMeasure = "global_measure", globalSpacing = "global_spacing_m"
        case globalPrescreenStride = "global_prescreen_stride", globalPrescreenKeep = "global_prescreen_keep"
        case localGrid = "local_grid", localHalfWidth = "local_half_width_m", localStepWavelengths =
            "local_step_wavelengths"
        case refinement, maxIterations = "max_iterations", gradientSteps = "gradient_steps"
        case circles, circleOrders = "circle_orders", circleContractions = "circle_contractions"
        case circleCandidatesToRefine = "circle_candidates_to_refine", adaptiveCircles = "adaptive_circles", arc
        case adaptiveAmbiguity = "adaptive_ambiguity", arcSpan = "arc_span"
        case reportedSNR = "reported_snr"
        case nuisance, noiseSNRdB = "noise_snr_db", grossErrorSigmas = "gross_error_sigmas", carrier = "carrier_hz"
        case modelQuality = "model_quality", modelErrorSigmas = "model_error_sigmas", untrustedAmbiguity =
            "untrusted_ambiguity"
        case flagAmbiguous = "flag_ambiguous", runnerUpAlignment = "runner_up_alignment"
        case runnerUpSigmas = "runner_up_sigmas"
    }

    /// Every key at its default (the `robust` method, nothing overridden).
    static let defaults: SearchSettings = try! StrictYAML.decode(SearchSettings.self, from: "{}", file: "<defaults>")

    /// Decodes `search`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let methodName = try c.value(.method, default: "robust")
        let known = SearchMethod.allCases.map(\.rawValue).joined(separator: ", ")
        try c.require(
            SearchMethod(name: methodName) != nil, .method, "unknown method '\(methodName)'; known: \(known), default")
        method = SearchMethod(name: methodName)!
        region = try c.decodeIfPresent(UERegionSpec.self, forKey: .region).map { SearchRegion($0.region) }
        globalMeasure = try Self.decodeEnum(c, .globalMeasure)
        globalSpacing = try Self.positive(c, .globalSpacing)
        globalPrescreenStride = try Self.integer(c, .globalPrescreenStride, 1...64)
        globalPrescreenKeep = try Self.integer(c, .globalPrescreenKeep, 1...10_000)
        localGrid = try c.decodeIfPresent(Bool.self, forKey: .localGrid)
        localHalfWidth = try Self.positive(c, .localHalfWidth)
        localStepWavelengths = try Self.positive(c, .localStepWavelengths)
        refinement = try Self.decodeEnum(c, .refinement)
        maxIterations = try Self.integer(c, .maxIterations, 1...10_000)
        gradientSteps = try Self.integer(c, .gradientSteps, 1...100_000)
        circles = try c.decodeIfPresent(Bool.self, forKey: .circles)
        circleOrders = try c.decodeIfPresent([Int].self, forKey: .circleOrders)
        try c.require(
            circleOrders.map { !$0.isEmpty && $0.allSatisfy { (1...16).contains($0) } } ?? true,
            .circleOrders, "must be a non-empty list of integers in 1...16")
        circleContractions = try c.decodeIfPresent([Double].self, forKey: .circleContractions)
        try c.require(
            circleContractions.map { !$0.isEmpty && $0.allSatisfy { $0 > 0 && $0 <= 1 } } ?? true,
            .circleContractions, "must be a non-empty list of numbers in (0, 1]")
        circleCandidatesToRefine = try Self.integer(c, .circleCandidatesToRefine, 1...64)
        adaptiveCircles = try c.decodeIfPresent(Bool.self, forKey: .adaptiveCircles)
        adaptiveAmbiguity = try c.decodeIfPresent(Bool.self, forKey: .adaptiveAmbiguity)
        arc = try c.decodeIfPresent(Bool.self, forKey: .arc)
        arcSpan = try c.decodeIfPresent(Bool.self, forKey: .arcSpan)
        nuisance = try Self.decodeEnum(c, .nuisance)
        noiseSNRdB = try c.decodeIfPresent(Double.self, forKey: .noiseSNRdB)
        try c.require(
            noiseSNRdB.map { $0.isFinite && (-50...200).contains($0) } ?? true, .noiseSNRdB, "must be in -50...200 dB")
        reportedSNR = try c.decodeIfPresent(Bool.self, forKey: .reportedSNR)
        grossErrorSigmas = try Self.positive(c, .grossErrorSigmas)
        modelQuality = try c.decodeIfPresent(Bool.self, forKey: .modelQuality)
        modelErrorSigmas = try Self.number(c, .modelErrorSigmas, 0...10)
        untrustedAmbiguity = try Self.number(c, .untrustedAmbiguity, 0...1)
        flagAmbiguous = try c.decodeIfPresent(Bool.self, forKey: .flagAmbiguous)
        runnerUpAlignment = try Self.number(c, .runnerUpAlignment, 0...1)
        runnerUpSigmas = try Self.number(c, .runnerUpSigmas, 0...10)
        carrier = try Self.positive(c, .carrier)
    }

    /// The method's configuration with every given override applied (frames taken as phase-coherent unless
    /// `nuisance` says otherwise).
    public var localizerConfiguration: LocalizerConfiguration { localizerConfiguration(modelNuisance: .none) }

    /// The method's configuration for a model trained with `modelNuisance`: the frames are assumed to carry the
    /// same per-frame unknowns as its survey unless `nuisance` is set; then every given override.
    public func localizerConfiguration(modelNuisance: NuisanceModel) -> LocalizerConfiguration {
        var l = method.configuration(nuisance: nuisance ?? modelNuisance)
        if let region { l.region = region }
        if let globalMeasure { l.globalMeasure = globalMeasure }
        if let globalSpacing { l.globalSpacing = globalSpacing }
        if let globalPrescreenStride { l.globalPrescreenStride = globalPrescreenStride }
        if let globalPrescreenKeep { l.globalPrescreenKeep = globalPrescreenKeep }
        if let localGrid { l.localGrid = localGrid }
        if let localHalfWidth { l.localHalfWidth = localHalfWidth }
        if let localStepWavelengths { l.localStepWavelengths = localStepWavelengths }
        if let refinement { l.refinement = refinement }
        if let maxIterations { l.maxIterations = maxIterations }
        if let gradientSteps { l.gradientSteps = gradientSteps }
        if let circles { l.circles = circles }
        if let circleOrders { l.circleOrders = circleOrders }
        if let circleContractions { l.circleContractions = circleContractions }
        if let circleCandidatesToRefine { l.circleCandidatesToRefine = circleCandidatesToRefine }
        if let adaptiveCircles { l.adaptiveCircles = adaptiveCircles }
        if let adaptiveAmbiguity { l.adaptiveAmbiguity = adaptiveAmbiguity }
        if let arc { l.arc = arc }
        if let arcSpan { l.arcSpan = arcSpan }
        if let nuisance { l.nuisance = nuisance }
        if let noiseSNRdB { l.noiseFloor = .snrDB(noiseSNRdB) }
        if let reportedSNR { l.reportedSNR = reportedSNR }
        if let grossErrorSigmas { l.grossErrorSigmas = grossErrorSigmas }
        if let modelQuality { l.modelQuality = modelQuality }
        if let modelErrorSigmas { l.modelErrorSigmas = modelErrorSigmas }
        if let untrustedAmbiguity { l.untrustedAmbiguity = untrustedAmbiguity }
        if let flagAmbiguous { l.flagAmbiguous = flagAmbiguous }
        if let runnerUpAlignment { l.runnerUpAlignment = runnerUpAlignment }
        if let runnerUpSigmas { l.runnerUpSigmas = runnerUpSigmas }
        if let carrier { l.carrier = carrier }
        return l
    }

    private typealias Container = KeyedDecodingContainer<CodingKeys>

    private static func positive(_ c: Container, _ key: CodingKeys) throws -> Double? {
        let v = try c.decodeIfPresent(Double.self, forKey: key)
        try c.require(v.map { $0.isFinite && $0 > 0 } ?? true, key, "must be a finite number > 0")
        return v
    }

    private static func number(_ c: Container, _ key: CodingKeys, _ range: ClosedRange<Double>) throws -> Double? {
        let v = try c.decodeIfPresent(Double.self, forKey: key)
        // Bounds written as the docs write them: 0...1, not 0.0...1.0.
        func text(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
        try c.require(
            v.map { $0.isFinite && range.contains($0) } ?? true, key,
            "must be in \(text(range.lowerBound))...\(text(range.upperBound))")
        return v
    }

    private static func integer(_ c: Container, _ key: CodingKeys, _ range: ClosedRange<Int>) throws -> Int? {
        let v = try c.decodeIfPresent(Int.self, forKey: key)
        try c.require(v.map { range.contains($0) } ?? true, key, "must be in \(range.lowerBound)...\(range.upperBound)")
        return v
    }

    private static func decodeEnum<E: RawRepresentable & CaseIterable>(_ c: Container, _ key: CodingKeys) throws -> E?
    where E.RawValue == String {
        guard let name = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        try c.require(
            E(rawValue: name) != nil, key,
            "unknown value '\(name)'; allowed: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        return E(rawValue: name)
    }
}
