import CSINumerics
import Testing

@Suite struct RowProductTests {
    /// Y = X Wᵀ against Float64 dot products, for every row count of a group and past it (several passes), inputs
    /// that are and are not multiples of the eight lanes, and W rows read at their own offsets.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 17])
    func matchesFloat64DotProducts(rows: Int) {
        var rng = SeededGenerator(seed: UInt64(40 + rows))
        for (inputs, outputs) in [(2, 7), (13, 5), (64, 33), (256, 3), (23, 4), (31, 6), (8, 12)] {
            let x = (0..<(rows * inputs)).map { _ in Float(rng.nextGaussian()) }
            let w = (0..<(outputs * inputs)).map { _ in Float(rng.nextGaussian()) }
            var y = [Float](repeating: .nan, count: rows * outputs)
            x.withUnsafeBufferPointer { xb in
                w.withUnsafeBufferPointer { wb in
                    y.withUnsafeMutableBufferPointer { yb in
                        RowProduct.multiply(
                            rows: rows, inputs: inputs, outputs: outputs, x: xb.baseAddress!, weights: wb.baseAddress!,
                            into: yb.baseAddress!)
                    }
                }
            }
            for r in 0..<rows {
                for o in 0..<outputs {
                    var exact = 0.0, magnitude = 0.0
                    for k in 0..<inputs {
                        let term = Double(x[r * inputs + k]) * Double(w[o * inputs + k])
                        exact += term; magnitude += abs(term)
                    }
                    // Float32 rounding of a sum of `inputs` products: a few ulps of the sum of magnitudes.
                    let tolerance = 4 * Double(Float.ulpOfOne) * magnitude * Double(inputs).squareRoot()
                    #expect(
                        abs(Double(y[r * outputs + o]) - exact) <= tolerance,
                        "rows \(rows), \(inputs) → \(outputs): y[\(r), \(o)] = \(y[r * outputs + o]) vs \(exact)")
                }
            }
        }
    }

    /// Every output is the same dot product wherever it falls — in a tile of 4, 2 or 1 outputs with any number of
    /// rows beside it, or in the tail past the last tile — to the bit: a one-row, one-output product of the same
    /// vectors.
    @Test func eachOutputIsTheSameDotProductInAnyTileOrTail() {
        var rng = SeededGenerator(seed: 77)
        let inputs = 21
        for rows in 1...8 {
            for outputs in 1...9 {
                let x = (0..<(rows * inputs)).map { _ in Float(rng.nextGaussian()) }
                let w = (0..<(outputs * inputs)).map { _ in Float(rng.nextGaussian()) }
                var y = [Float](repeating: .nan, count: rows * outputs)
                var single: Float = .nan
                x.withUnsafeBufferPointer { xb in
                    w.withUnsafeBufferPointer { wb in
                        y.withUnsafeMutableBufferPointer { yb in
                            RowProduct.multiply(
                                rows: rows, inputs: inputs, outputs: outputs, x: xb.baseAddress!,
                                weights: wb.baseAddress!, into: yb.baseAddress!)
                        }
                        for r in 0..<rows {
                            for o in 0..<outputs {
                                RowProduct.multiply(
                                    rows: 1, inputs: inputs, outputs: 1, x: xb.baseAddress! + r * inputs,
                                    weights: wb.baseAddress! + o * inputs, into: &single)
                                #expect(y[r * outputs + o] == single, "rows \(rows), outputs \(outputs): [\(r), \(o)]")
                            }
                        }
                    }
                }
            }
        }
    }

    /// No rows or no outputs: nothing is written.
    @Test func emptyProductsWriteNothing() {
        let x: [Float] = [1, 2], w: [Float] = [3, 4]
        var y: [Float] = [7]
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                y.withUnsafeMutableBufferPointer { yb in
                    RowProduct.multiply(
                        rows: 0, inputs: 2, outputs: 1, x: xb.baseAddress!, weights: wb.baseAddress!,
                        into: yb.baseAddress!)
                    RowProduct.multiply(
                        rows: 1, inputs: 2, outputs: 0, x: xb.baseAddress!, weights: wb.baseAddress!,
                        into: yb.baseAddress!)
                }
            }
        }
        #expect(y == [7])
    }
}
