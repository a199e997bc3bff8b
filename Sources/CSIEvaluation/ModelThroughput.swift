import CSIChannel
import CSINumerics
import Foundation

/// What one model evaluation costs, on one thread: the figures `csiloc bench localize` prints beside the
/// per-frame counts (values and Jacobians per frame × these = the search's model time).
struct ModelThroughput: Codable, Sendable, Equatable {
    /// Nanoseconds per candidate scored by the search (`ChannelModel.correlate`: nothing written).
    var scoredCandidateNanoseconds: Double
    /// Nanoseconds per channel written in Float64 (`ChannelModel.evaluate`, what `eval`/`predict` use).
    var channelValueNanoseconds: Double
    /// Nanoseconds per value + Jacobian (`ChannelModel.evaluateWithJacobian`, the refinement's).
    var jacobianNanoseconds: Double

    enum CodingKeys: String, CodingKey {
        case scoredCandidateNanoseconds = "scored_candidate_ns", channelValueNanoseconds = "channel_value_ns",
            jacobianNanoseconds = "jacobian_ns"
    }

    /// Times each operation on random points of `region` (a fixed seed) for at least `seconds` each.
    static func measure(_ model: any ChannelModel, region: Region, seconds: Double = 0.2) -> ModelThroughput {
        var rng = SeededGenerator(seed: 0x5450_5554) // "TPUT"
        func uniform(_ r: ClosedRange<Double>) -> Double {
            r.lowerBound + (r.upperBound - r.lowerBound) * rng.nextUnit()
        }
        let batch = 32
        let points = (0..<batch).map { _ in Point3(uniform(region.x), uniform(region.y), uniform(region.z)) }
        let stride = model.valuesPerChannel, na = model.antennaCount, ns = model.subcarrierCount
        var values = [Double](repeating: 0, count: batch * stride)
        var jac = [Double](repeating: 0, count: 3 * stride)
        model.evaluate(points.withUnsafeBufferPointer { $0 }, into: values.withUnsafeMutableBufferPointer { $0 })
        // The measured channel: the model's own value at the first point.
        var hRe = [Double](repeating: 0, count: na * ns), hIm = hRe
        for j in 0..<na {
            for k in 0..<ns {
                hRe[k * na + j] = values[2 * (j * ns + k)]; hIm[k * na + j] = values[2 * (j * ns + k) + 1]
            }
        }
        var corr = [Double](repeating: 0, count: batch * 2 * ns), energies = [Double](repeating: 0, count: batch)

        func time(perCall: Int, _ body: () -> Void) -> Double {
            body()
            let start = DispatchTime.now().uptimeNanoseconds
            var calls = 0
            var elapsed = 0.0
            repeat {
                body(); calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            } while elapsed < seconds * 1e9
            return elapsed / Double(calls * perCall)
        }
        let scored = points.withUnsafeBufferPointer { p in
            values.withUnsafeMutableBufferPointer { v in
                hRe.withUnsafeBufferPointer { hr in
                    hIm.withUnsafeBufferPointer { hi in
                        corr.withUnsafeMutableBufferPointer { c in
                            energies.withUnsafeMutableBufferPointer { e in
                                time(perCall: batch) {
                                    model.correlate(
                                        p, hRe: hr.baseAddress!, hIm: hi.baseAddress!, correlations: c.baseAddress!,
                                        energies: e.baseAddress!, scratch: v)
                                }
                            }
                        }
                    }
                }
            }
        }
        let written = points.withUnsafeBufferPointer { p in
            values.withUnsafeMutableBufferPointer { v in time(perCall: batch) { model.evaluate(p, into: v) } }
        }
        var i = 0
        let jacobian = values.withUnsafeMutableBufferPointer { v in
            jac.withUnsafeMutableBufferPointer { j in
                time(perCall: 1) {
                    model.evaluateWithJacobian(
                        at: points[i % batch], value: UnsafeMutableBufferPointer(rebasing: v[0..<stride]),
                        jacobian: j)
                    i += 1
                }
            }
        }
        return ModelThroughput(
            scoredCandidateNanoseconds: scored, channelValueNanoseconds: written, jacobianNanoseconds: jacobian)
    }

    /// One line for the text reports.
    var line: String {
        String(
            format:
                "model (1 thread): %.2f µs per scored candidate, %.2f µs per channel value, %.2f µs per value + Jacobian",
            scoredCandidateNanoseconds / 1e3, channelValueNanoseconds / 1e3, jacobianNanoseconds / 1e3)
    }
}
