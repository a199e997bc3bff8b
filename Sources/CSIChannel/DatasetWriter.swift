import NumpyArchive

/// Streams a dataset to an NPZ file: positions, antennas and frequencies up front, channels appended
/// block by block (so datasets larger than memory can be written), then `finish()`.
///
/// The file appears under its final name only when `finish()` succeeds. Reported SNRs (key `snr_db`) and a declared
/// nuisance (key `nuisance`) are written last, so a dataset without them is byte-identical to one written before
/// the keys existed.
public final class DatasetWriter {
    let path: String
    let writer: NPZWriter
    let expectedValues: Int
    var writtenValues = 0
    let los: [Bool]?
    let nuisance: NuisanceModel?
    let reportedSNRdB: [Double]?
    let tail: (frequencies: [Double], antennas: [Point3], carrier: Double)

    /// Opens `path` and writes the positions; `nuisance`, when given, is declared in the file's `nuisance` key,
    /// `reportedSNRdB` (one per position, dB, NaN = unknown) in its `snr_db` key.
    public init(
        path: String, positions: [Point3], antennas: [Point3], frequencies: [Double], carrier: Double, los: [Bool]?,
        nuisance: NuisanceModel? = nil, reportedSNRdB: [Double]? = nil
    ) throws {
        if let los, los.count != positions.count {
            throw NPZError(
                .invalidArgument, file: path, location: .key("los"),
                "expected \(positions.count) values, got \(los.count)")
        }
        if let reportedSNRdB {
            guard reportedSNRdB.count == positions.count else {
                throw NPZError(
                    .invalidArgument, file: path, location: .key("snr_db"),
                    "expected \(positions.count) values, got \(reportedSNRdB.count)")
            }
            if let bad = reportedSNRdB.firstIndex(where: \.isInfinite) {
                throw NPZError(
                    .invalidArgument, file: path, location: .key("snr_db"),
                    "expected finite SNRs in dB or NaN (unknown), found \(reportedSNRdB[bad]) in sample \(bad)")
            }
        }
        self.reportedSNRdB = reportedSNRdB
        self.path = path
        self.los = los
        self.nuisance = nuisance
        self.tail = (frequencies, antennas, carrier)
        self.expectedValues = 2 * positions.count * antennas.count * frequencies.count
        writer = try NPZWriter(path: path)
        try writer.write(
            name: "positions",
            array: NPYArray(doubles: positions.flatMap { [$0.x, $0.y, $0.z] }, shape: [positions.count, 3]))
        try writer.beginArray(
            name: "csi", dtype: .complex64, shape: [positions.count, antennas.count, frequencies.count])
    }

    /// Appends channels (interleaved complex64, antenna-major) for the next samples in position order.
    public func appendChannels(_ values: UnsafeBufferPointer<Float>) throws {
        guard writtenValues + values.count <= expectedValues else {
            throw NPZError(
                .invalidArgument, file: path, location: .key("csi"),
                "more channel values than positions × antennas × subcarriers")
        }
        try writer.append(UnsafeRawBufferPointer(values))
        writtenValues += values.count
    }

    /// Writes the remaining keys and closes the file.
    public func finish() throws {
        guard writtenValues == expectedValues else {
            throw NPZError(
                .invalidArgument, file: path, location: .key("csi"),
                "expected \(expectedValues / 2) complex values, got \(writtenValues / 2)")
        }
        try writer.endArray()
        try writer.write(
            name: "frequencies", array: NPYArray(doubles: tail.frequencies, shape: [tail.frequencies.count]))
        try writer.write(
            name: "antennas",
            array: NPYArray(doubles: tail.antennas.flatMap { [$0.x, $0.y, $0.z] }, shape: [tail.antennas.count, 3]))
        try writer.write(name: "carrier", array: NPYArray(scalar: tail.carrier))
        if let los { try writer.write(name: "los", array: NPYArray(bools: los, shape: [los.count])) }
        if let reportedSNRdB {
            try writer.write(name: "snr_db", array: NPYArray(doubles: reportedSNRdB, shape: [reportedSNRdB.count]))
        }
        if let nuisance { try writer.write(name: "nuisance", string: nuisance.rawValue) }
        try writer.finish()
    }
}
