@testable import CSIChannel

/// The Float32 split channels a model's `evaluateSplit`-like call writes for `positions` on every `antennaStride`-th
/// antenna and `subcarrierStride`-th subcarrier: `evaluate` gets the positions, NaN-filled outputs of the right size
/// and a scratch buffer of one Float64 channel per position, and the outputs are returned.
func splitChannels(
    of m: any ChannelModel, at positions: [Point3], antennaStride: Int, subcarrierStride: Int,
    _ evaluate: (
        UnsafeBufferPointer<Point3>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
        UnsafeMutableBufferPointer<Double>
    ) -> Void
) -> (re: [Float], im: [Float]) {
    let ka = (m.antennaCount + antennaStride - 1) / antennaStride
    let ks = (m.subcarrierCount + subcarrierStride - 1) / subcarrierStride
    var re = [Float](repeating: .nan, count: positions.count * ka * ks), im = re
    var scratch = [Double](repeating: 0, count: positions.count * m.valuesPerChannel)
    positions.withUnsafeBufferPointer { p in
        scratch.withUnsafeMutableBufferPointer { sb in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in evaluate(p, r.baseAddress!, i.baseAddress!, sb) }
            }
        }
    }
    return (re, im)
}
