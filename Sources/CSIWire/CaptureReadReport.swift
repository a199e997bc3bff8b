/// What a ``CaptureReader`` found: how many records it returned and every stretch of the file it could not
/// use, with where and why.
public struct CaptureReadReport: Sendable, Hashable {
    /// One damaged stretch of a capture file.
    public struct Damage: Sendable, Hashable, CustomStringConvertible {
        /// Why a stretch was unusable. `rawValue`s are stable (usable as metric labels).
        public enum Reason: String, Sendable, Hashable, CaseIterable {
            /// The file ends inside the file header (includes an empty file).
            case truncatedHeader = "truncated_header"
            /// The file does not start with `CSICAP01`.
            case badFileMagic = "bad_file_magic"
            /// The metadata length exceeds the format's limit.
            case badMetadataLength = "bad_metadata_length"
            /// The metadata CRC does not match; metadata discarded.
            case metadataCRCMismatch = "metadata_crc_mismatch"
            /// The metadata passed its CRC but is not a valid metadata object.
            case badMetadata = "bad_metadata"
            /// Bytes where a record should start do not hold the record marker.
            case badMarker = "bad_marker"
            /// A record's body length is below the minimum or above the 64 MiB cap.
            case badRecordLength = "bad_record_length"
            /// The file ends inside a record (a torn final write, or a corrupt length).
            case truncatedRecord = "truncated_record"
            /// A record's CRC does not match its body.
            case recordCRCMismatch = "record_crc_mismatch"
            /// A record passed its CRC but its part lengths do not add up.
            case badRecordBody = "bad_record_body"
        }

        /// File offset where the damage was detected (start of the bad header or record).
        public var offset: Int64
        /// Bytes from ``offset`` that were skipped (up to the next valid record, or the end of the file).
        public var byteCount: Int64
        /// The first problem found at ``offset``.
        public var reason: Reason
        // The memberwise `init(offset:byteCount:reason:)` (internal) is the reader's way to create one.

        /// `reason at offset N, M bytes skipped`.
        public var description: String { "\(reason.rawValue) at offset \(offset), \(byteCount) bytes skipped" }
    }

    /// Records returned so far.
    public var recordsRead = 0
    /// Total bytes skipped (the sum of the damage entries' `byteCount`).
    public var bytesSkipped: Int64 = 0
    /// Every damaged stretch, in file order.
    public var damage: [Damage] = []

    /// Creates an empty report.
    public init() {}

    /// `true` when nothing was skipped.
    public var isClean: Bool { damage.isEmpty }

    mutating func record(_ entry: Damage) {
        damage.append(entry)
        bytesSkipped += entry.byteCount
    }
}
