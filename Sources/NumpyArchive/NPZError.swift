public import Foundation

/// The one error type of `NumpyArchive`.
///
/// Every message names the file, the archive entry or array key when there is one, and what was expected versus
/// what was found, so `"\(error)"` is enough for a user to fix the input, e.g.
/// `train.npz: key 'csi': expected dtype complex64 or complex128, found <f8`.
/// Match on ``kind`` to react programmatically; the text is for people.
public struct NPZError: Error, LocalizedError, CustomStringConvertible, Sendable, Equatable {
    /// Broad category of a failure.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened, read, written or renamed.
        case io
        /// The file is not a zip archive at all.
        case notZip
        /// A structure or entry runs past the end of the file.
        case truncated
        /// Inconsistent zip structure or an invalid deflate stream.
        case corrupt
        /// An entry's bytes do not match the CRC-32 recorded in the archive.
        case crcMismatch
        /// A valid zip feature this reader does not implement (encryption, multi-disk, other compression methods).
        case unsupportedZip
        /// An entry is not a valid `.npy` payload (magic, version or header).
        case badNPY
        /// The array's dtype is valid NumPy but not supported here (object, string, structured, float16, ...).
        case unsupportedDType
        /// Shape and data length disagree, or a shape is not what the caller required.
        case shapeMismatch
        /// The array's dtype cannot be converted to the requested element type without losing its meaning.
        case typeMismatch
        /// The archive has no array under the requested key.
        case missingKey
        /// The caller used the API incorrectly (e.g. wrong byte count in a streamed array, duplicate name).
        case invalidArgument
    }

    /// What inside the file the error is about.
    public enum Location: Sendable, Equatable {
        /// An array key as the user sees it (`csi`).
        case key(String)
        /// A zip entry name (`csi.npy`).
        case entry(String)
    }

    /// Category, for programmatic handling.
    public let kind: Kind
    /// The file path as given by the caller.
    let file: String
    /// The key or entry concerned, when the problem is inside one member.
    let location: Location?
    /// What was expected and what was found, without the file/location prefix.
    public let detail: String

    /// Creates an error; public so that format layers built on top (e.g. a dataset loader checking shapes across
    /// keys) can report problems in the same style.
    public init(_ kind: Kind, file: String, location: Location? = nil, _ detail: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.detail = detail
    }

    /// `file: key 'k': detail` (or `file: entry 'e': detail`, or `file: detail`).
    public var description: String {
        switch location {
        case .none: return "\(file): \(detail)"
        case .key(let key): return "\(file): key '\(key)': \(detail)"
        case .entry(let entry): return "\(file): entry '\(entry)': \(detail)"
        }
    }

    /// The same text as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }
}

/// Where errors raised while decoding one array should point: the file plus the key or entry.
struct ErrorContext: Sendable, Equatable {
    var file: String
    var location: NPZError.Location?

    func error(_ kind: NPZError.Kind, _ detail: String) -> NPZError {
        NPZError(kind, file: file, location: location, detail)
    }
}
