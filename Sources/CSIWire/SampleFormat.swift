/// The `sample_format` code of the protocol v1 header: how each complex sample of the payload is stored.
public enum SampleFormat: UInt8, Sendable, Hashable, CaseIterable {
    /// Code 0: two little-endian IEEE-754 float32 values (re, im); 8 bytes per complex sample.
    case complexFloat32 = 0
    /// Code 1: two little-endian int16 values (re, im); the value is `int16 × scale`; 4 bytes per sample.
    case complexInt16 = 1

    /// Bytes occupied by one complex sample.
    var bytesPerSample: Int {
        switch self {
        case .complexFloat32: 8
        case .complexInt16: 4
        }
    }

    /// Short name used in messages and docs (`cf32`, `ci16`).
    var shortName: String {
        switch self {
        case .complexFloat32: "cf32"
        case .complexInt16: "ci16"
        }
    }
}

/// The `layout` code of the protocol v1 header: the order of samples in the payload.
public enum SampleLayout: UInt8, Sendable, Hashable, CaseIterable {
    /// Code 0: antenna-major, `[ant][sc]` in C order: sample `(a, s)` is at index `a · n_sc + s`.
    case antennaMajor = 0
}
