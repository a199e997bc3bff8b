import CSIChannel
import Numerics

extension ImageSourceModel {
    /// Wavenumber at which a diffracted path's wedge coefficient is evaluated: the carrier's. Across the band the
    /// coefficient's 1/√k and transition functions change by the relative bandwidth's half at most (≈ 1.4 % for
    /// 100 MHz at 3.5 GHz), which the path's fitted gain takes up at the centre.
    var diffractionWavenumber: Double { 2 * Double.pi * carrier / speedOfLight }

    /// The wedge coefficient of source `src` at `x`, from its image-array centre (`EdgeLine.coefficient`); nil for a
    /// straight path or an edge without a wedge. The coefficient is a factor of the path's gain: the same for every
    /// element of the image array (across a 16-element array tens of metres from the edge the incidence angle varies by
    /// a few milliradians).
    @inline(__always)
    func wedgeCoefficient(_ src: ImageSource, at x: Point3) -> Complex<Double>? {
        guard let edge = src.edge, edge.wedge != nil else { return nil }
        return edge.coefficient(from: src.center, to: x, wavenumber: diffractionWavenumber)
    }
}
