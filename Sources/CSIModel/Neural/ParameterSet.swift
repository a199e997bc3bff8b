/// All trainable parameters of a network in one flat array, with named row-major slices.
///
/// One flat array keeps the optimiser, gradient accumulation across threads and model-file export trivial:
/// a gradient is a second array of the same layout, and Adam is one loop.
public struct ParameterSet<Scalar: NeuralScalar>: Sendable {
    /// Where one named tensor lives inside `values`.
    struct Entry: Sendable, Equatable {
        let name: String
        let shape: [Int]
        let offset: Int
        var count: Int { shape.reduce(1, *) }
    }

    private(set) var entries: [Entry] = []
    /// All parameters, concatenated in `entries` order.
    public var values: [Scalar] = []

    init() {}

    /// Number of scalar parameters.
    public var count: Int { values.count }

    /// Appends a zero-initialised tensor and returns its offset.
    @discardableResult
    mutating func add(_ name: String, shape: [Int]) -> Int {
        precondition(!entries.contains { $0.name == name }, "duplicate parameter name \(name)")
        let offset = values.count
        let e = Entry(name: name, shape: shape, offset: offset)
        entries.append(e)
        values.append(contentsOf: repeatElement(0, count: e.count))
        return offset
    }

    /// The entry called `name`.
    func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The parameters as named Float tensors, in declaration order (what a model file stores).
    var tensors: [NamedTensor] {
        entries.map { e in
            NamedTensor(name: e.name, shape: e.shape, values: values[e.offset..<(e.offset + e.count)].map { Float($0) })
        }
    }

    /// Overwrites every declared tensor from `tensors` (matched by name; shapes must agree). Extra tensors are
    /// an error too, so a file from another architecture is not silently half-loaded.
    mutating func load(_ tensors: [NamedTensor]) throws {
        var byName: [String: NamedTensor] = [:]
        for t in tensors { byName[t.name] = t }
        for e in entries {
            guard let t = byName.removeValue(forKey: e.name) else { throw NeuralModelError.missingTensor(e.name) }
            guard t.shape == e.shape, t.values.count == e.count else {
                throw NeuralModelError.shapeMismatch(name: e.name, expected: e.shape, found: t.shape)
            }
            for i in 0..<e.count { values[e.offset + i] = Scalar(t.values[i]) }
        }
        if let extra = byName.keys.sorted().first {
            throw NeuralModelError.invalidConfiguration("unexpected parameter tensor '\(extra)'")
        }
    }

    /// The same parameters in another precision (exact when widening Float → Double).
    func converted<Other: NeuralScalar>(to: Other.Type = Other.self) -> ParameterSet<Other> {
        var p = ParameterSet<Other>()
        p.entries = entries.map { ParameterSet<Other>.Entry(name: $0.name, shape: $0.shape, offset: $0.offset) }
        p.values = values.map { Other($0) }
        return p
    }
}
