public import CSIChannel
public import CSINumerics

/// The k-nearest-neighbour fingerprinting baseline (docs/method.md §8.3 "3-NN"): similarity −‖H − H_n‖_F over
/// a dictionary of measured channels, estimate = unweighted mean of the k best positions.
///
/// −‖H − H_n‖² = 2·Re⟨H_n, H⟩ − ‖H_n‖² − ‖H‖², and Re⟨H_n, H⟩ is a real dot product of the interleaved
/// vectors, so a block of queries is scored as one Float32 matrix product over the training rows, each
/// row read once per block. Immutable: share one instance between threads.
public final class FingerprintLocalizer: Sendable {
    public let positions: [Point3]
    public let neighbours: Int
    /// Floats per channel (2·N_a·N_s).
    public let valuesPerChannel: Int
    let rows: [Float]
    let energies: [Float]
    /// Queries scored together (rows stay in L1 while they are dotted with every query of the block).
    static let block = 8

    /// - Parameter csi: interleaved complex64 channels, antenna-major, one per position.
    public init(positions: [Point3], csi: [Float], valuesPerChannel: Int, neighbours: Int = 3) {
        precondition(csi.count == positions.count * valuesPerChannel, "csi does not match the positions")
        precondition(neighbours >= 1 && neighbours <= positions.count, "need at least \(neighbours) fingerprints")
        self.positions = positions; self.rows = csi; self.valuesPerChannel = valuesPerChannel
        self.neighbours = neighbours
        energies = (0..<positions.count).map { i in
            csi.withUnsafeBufferPointer { b in
                let p = b.baseAddress! + i * valuesPerChannel
                return DenseKernels.dot(p, p, count: valuesPerChannel)
            }
        }
    }

    public convenience init(dataset: CSIDataset, neighbours: Int = 3) {
        self.init(
            positions: dataset.positions, csi: dataset.csi, valuesPerChannel: dataset.valuesPerSample,
            neighbours: neighbours)
    }

    /// Bytes of the fingerprint dictionary.
    public var memoryBytes: Int { rows.count * MemoryLayout<Float>.size }

    /// Indices of the `neighbours` most similar fingerprints of one query, most similar first.
    public func nearest(_ query: [Float]) -> [Int] {
        precondition(query.count == valuesPerChannel, "query has the wrong size")
        var top = TopK(capacity: neighbours)
        rows.withUnsafeBufferPointer { rb in
            query.withUnsafeBufferPointer { q in
                for n in 0..<positions.count {
                    top.insert(
                        n,
                        2
                            * DenseKernels.dot(
                                rb.baseAddress! + n * valuesPerChannel, q.baseAddress!, count: valuesPerChannel)
                            - energies[n])
                }
            }
        }
        return top.indices
    }

    /// Estimates for `count` complex64 queries stored back to back, on one thread.
    public func locate(_ queries: UnsafeBufferPointer<Float>, count: Int) -> [Point3] {
        let m = valuesPerChannel
        precondition(queries.count >= count * m, "fewer than \(count) queries")
        var out: [Point3] = []
        out.reserveCapacity(count)
        rows.withUnsafeBufferPointer { rb in
            var start = 0
            while start < count {
                let nb = min(Self.block, count - start)
                var tops = [TopK](repeating: TopK(capacity: neighbours), count: nb)
                for n in 0..<positions.count {
                    let row = rb.baseAddress! + n * m
                    let e = energies[n]
                    for b in 0..<nb {
                        let q = queries.baseAddress! + (start + b) * m
                        tops[b].insert(n, 2 * DenseKernels.dot(row, q, count: m) - e)
                    }
                }
                for t in tops {
                    var sum = Point3.zero
                    for i in t.indices { sum += positions[i] }
                    out.append(sum / Double(t.indices.count))
                }
                start += nb
            }
        }
        return out
    }

    /// Estimates on `width` threads.
    public func locateAll(
        _ queries: UnsafeBufferPointer<Float>, count: Int, width: Int = Parallel.defaultWidth
    ) -> [Point3] {
        var out = [Point3](repeating: .zero, count: count)
        let m = valuesPerChannel
        out.withUnsafeMutableBufferPointer { ob in
            nonisolated(unsafe) let ob = ob, queries = queries
            Parallel.forEachChunk(count: count, width: width, minChunk: Self.block) { range in
                let r = locate(
                    UnsafeBufferPointer(rebasing: queries[(range.lowerBound * m)..<(range.upperBound * m)]),
                    count: range.count)
                for (i, p) in zip(range, r) { ob[i] = p }
            }
        }
        return out
    }
}
