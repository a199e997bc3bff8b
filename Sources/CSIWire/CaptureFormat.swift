/// Constants and byte-level encoding of `*.csicap` capture files (see `docs/capture-format.md`).
///
/// ```
/// file   = "CSICAP01" | u32 json_len | metadata JSON | u32 crc32c(JSON) | record*
/// record = marker "REC\xA5" | u32 body_len | body | u32 crc32c(body)
/// body   = i64 t_recv_ns | u16 n_parts | (u32 part_len | part bytes){n_parts}
/// ```
/// All integers little-endian.
enum CaptureFormat {
    /// The 8 bytes every capture file starts with.
    static let fileMagic: [UInt8] = Array("CSICAP01".utf8)
    /// The 4 bytes every record starts with: `52 45 43 A5` (`"REC"` + 0xA5; u32 LE `0xA5434552`).
    /// 0xA5 after an ASCII byte is invalid UTF-8, so the marker never occurs inside JSON text.
    static let recordMarker: [UInt8] = [0x52, 0x45, 0x43, 0xA5]
    /// Largest metadata JSON accepted by the reader and produced by the writer.
    static let maxMetadataBytes = 1 << 20
    /// Largest record body accepted by the reader and produced by the writer (64 MiB).
    static let maxRecordBodyBytes = 64 << 20
    /// Smallest possible body: `t_recv_ns` + `n_parts` with no parts.
    static let minRecordBodyBytes = 10
    /// Marker + length before the body, CRC after it.
    static let recordOverheadBytes = 12
    /// Bytes before the metadata JSON (magic + length).
    static let fileHeaderPrefixBytes = 12

    /// The file header: magic, length, metadata JSON (deterministic), CRC.
    static func encodeHeader(_ metadata: CaptureMetadata) throws(CaptureError) -> [UInt8] {
        let json = metadata.jsonValue().serialized()
        guard json.count <= maxMetadataBytes else {
            throw .invalidRecord("metadata JSON is \(json.count) bytes, limit \(maxMetadataBytes)")
        }
        var bytes = fileMagic
        ByteCoding.append(UInt32(json.count), to: &bytes)
        bytes.append(contentsOf: json)
        ByteCoding.append(CRC32C.checksum(json), to: &bytes)
        return bytes
    }

    /// One framed record: marker, body length, body, CRC of the body.
    static func encodeRecord(_ record: CaptureRecord) throws(CaptureError) -> [UInt8] {
        guard record.parts.count <= Int(UInt16.max) else {
            throw .invalidRecord("\(record.parts.count) parts, limit \(UInt16.max)")
        }
        var bodyLength = minRecordBodyBytes
        for part in record.parts {
            bodyLength += 4 + part.count
            guard bodyLength <= maxRecordBodyBytes else {
                throw .invalidRecord("record body exceeds \(maxRecordBodyBytes) bytes")
            }
        }
        var bytes = recordMarker
        bytes.reserveCapacity(recordOverheadBytes + bodyLength)
        ByteCoding.append(UInt32(bodyLength), to: &bytes)
        let bodyStart = bytes.count
        ByteCoding.append(record.tRecvNs, to: &bytes)
        ByteCoding.append(UInt16(record.parts.count), to: &bytes)
        for part in record.parts {
            ByteCoding.append(UInt32(part.count), to: &bytes)
            bytes.append(contentsOf: part)
        }
        let crc = CRC32C.checksum(bytes[bodyStart...])
        ByteCoding.append(crc, to: &bytes)
        return bytes
    }

    /// Parses a CRC-verified body; `nil` when its internal lengths do not add up exactly.
    static func decodeBody(_ body: ArraySlice<UInt8>) -> CaptureRecord? {
        guard let tRecvNs = ByteCoding.load(Int64.self, from: body, at: 0),
            let partCount = ByteCoding.load(UInt16.self, from: body, at: 8)
        else { return nil }
        var offset = minRecordBodyBytes
        var parts: [[UInt8]] = []
        parts.reserveCapacity(Int(partCount))
        for _ in 0..<partCount {
            guard let length = ByteCoding.load(UInt32.self, from: body, at: offset) else { return nil }
            let start = offset + 4
            guard Int(length) <= body.count - start else { return nil }
            let from = body.startIndex + start
            parts.append(Array(body[from..<from + Int(length)]))
            offset = start + Int(length)
        }
        guard offset == body.count else { return nil }
        return CaptureRecord(tRecvNs: tRecvNs, parts: parts)
    }
}
