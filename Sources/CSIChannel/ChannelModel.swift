/// Anything that maps receiver locations to channel matrices H(x) ∈ ℂ^{N_a×N_s}, with derivatives.
///
/// This is the seam between physics, learning and search: the exact simulator (an oracle), fitted
/// image-source models and neural models all conform, and the localizer, `eval` and the benchmarks take
/// any of them.
///
/// Layout of every channel buffer: antenna-major, interleaved — element (j, k) of location b is at
/// `2·((b·N_a + j)·N_s + k)` (real) and `+1` (imaginary).
public protocol ChannelModel: Sendable {
    /// Antenna positions in the scene frame (N_a of them).
    var antennaPositions: [Point3] { get }
    /// Subcarrier frequencies, Hz (N_s of them).
    var frequencies: [Double] { get }

    /// Writes H(x) for every position into `output` (2·N_a·N_s Doubles per position).
    func evaluate(_ positions: UnsafeBufferPointer<Point3>, into output: UnsafeMutableBufferPointer<Double>)

    /// Writes H(x) into `value` (2·N_a·N_s Doubles) and ∂H/∂x_c for c = x, y, z into `jacobian`
    /// (3 consecutive blocks of 2·N_a·N_s Doubles, same layout as H).
    func evaluateWithJacobian(at position: Point3, value: UnsafeMutableBufferPointer<Double>,
                              jacobian: UnsafeMutableBufferPointer<Double>)
}

extension ChannelModel {
    /// N_a.
    public var antennaCount: Int { antennaPositions.count }
    /// N_s.
    public var subcarrierCount: Int { frequencies.count }
    /// Doubles per channel matrix (2·N_a·N_s).
    public var valuesPerChannel: Int { 2 * antennaCount * subcarrierCount }

    /// H(x) for each position, as a new array (see the protocol for the layout).
    public func channels(at positions: [Point3]) -> [Double] {
        var out = [Double](repeating: 0, count: positions.count * valuesPerChannel)
        positions.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { evaluate(p, into: $0) } }
        return out
    }

    /// H(x) and its Jacobian at one position.
    public func channelAndJacobian(at position: Point3) -> (value: [Double], jacobian: [Double]) {
        var v = [Double](repeating: 0, count: valuesPerChannel)
        var j = [Double](repeating: 0, count: 3 * valuesPerChannel)
        v.withUnsafeMutableBufferPointer { vb in
            j.withUnsafeMutableBufferPointer { jb in evaluateWithJacobian(at: position, value: vb, jacobian: jb) }
        }
        return (v, j)
    }
}
