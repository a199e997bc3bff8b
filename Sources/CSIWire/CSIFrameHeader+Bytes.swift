extension CSIFrameHeader {
    /// Byte offsets of the v1 header fields (all little-endian).
    enum Offset {
        static let magic = 0
        static let version = 4
        static let headerLength = 6
        static let seq = 8
        static let tCaptureNs = 16
        static let tPublishNs = 24
        static let receiverID = 32
        static let ueID = 36
        static let antennaCount = 40
        static let subcarrierCount = 42
        static let txPorts = 44
        static let sampleFormat = 45
        static let layout = 46
        static let flags = 47
        static let metaEpoch = 48
        static let snrDb = 52
        static let scale = 56
        static let crc32c = 60
    }

    /// Parses the header part, checking only what is needed to trust the field positions: length, magic,
    /// version and `header_length` (≥ 64 and equal to the part's length; a longer tail is skipped).
    /// Semantic checks (formats, sizes, CRC) are ``FrameDecoder``'s job.
    public init<Bytes: RandomAccessCollection>(parsing bytes: Bytes) throws(FrameRejection)
    where Bytes.Element == UInt8, Bytes.Index == Int {
        let minimum = CSIFrameHeader.minimumLength
        guard bytes.count >= minimum else {
            throw FrameRejection(.shortHeader, "header part is \(bytes.count) bytes, need at least \(minimum)")
        }
        let magicBytes = Array(bytes.prefix(4))
        guard magicBytes == CSIFrameHeader.magic else {
            let hex = magicBytes.map { String($0, radix: 16) }.joined(separator: " ")
            throw FrameRejection(.badMagic, "header magic is [\(hex)], expected 'CSI1' [43 53 49 31]")
        }
        // The guards above make every read below in range; `?? 0` only satisfies the type checker.
        func u8(_ offset: Int) -> UInt8 { ByteCoding.load(UInt8.self, from: bytes, at: offset) ?? 0 }
        func u16(_ offset: Int) -> UInt16 { ByteCoding.load(UInt16.self, from: bytes, at: offset) ?? 0 }
        func u32(_ offset: Int) -> UInt32 { ByteCoding.load(UInt32.self, from: bytes, at: offset) ?? 0 }
        func u64(_ offset: Int) -> UInt64 { ByteCoding.load(UInt64.self, from: bytes, at: offset) ?? 0 }

        let version = u16(Offset.version)
        guard version == CSIFrameHeader.currentVersion else {
            throw FrameRejection(
                .badVersion, "header_version is \(version), only \(CSIFrameHeader.currentVersion) is supported")
        }
        let headerLength = u16(Offset.headerLength)
        guard Int(headerLength) >= minimum, Int(headerLength) == bytes.count else {
            throw FrameRejection(
                .badHeaderLength,
                "header_length is \(headerLength) but the header part is \(bytes.count) bytes (minimum \(minimum))")
        }
        self.init(
            version: version,
            headerLength: headerLength,
            seq: u64(Offset.seq),
            tCaptureNs: Int64(bitPattern: u64(Offset.tCaptureNs)),
            tPublishNs: Int64(bitPattern: u64(Offset.tPublishNs)),
            receiverID: u32(Offset.receiverID),
            ueID: u32(Offset.ueID),
            antennaCount: u16(Offset.antennaCount),
            subcarrierCount: u16(Offset.subcarrierCount),
            txPorts: u8(Offset.txPorts),
            sampleFormatCode: u8(Offset.sampleFormat),
            layoutCode: u8(Offset.layout),
            flags: u8(Offset.flags),
            metaEpoch: u32(Offset.metaEpoch),
            snrDb: Float(bitPattern: u32(Offset.snrDb)),
            scale: Float(bitPattern: u32(Offset.scale)),
            crc32c: u32(Offset.crc32c))
    }

    /// The header part: `max(headerLength, 64)` bytes, fields at their v1 offsets, any tail zero-filled.
    /// The bytes written are exactly the struct's fields (no validation), so invalid headers can be built
    /// for tests.
    public func serialized() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(Int(headerLength), CSIFrameHeader.minimumLength))
        bytes.replaceSubrange(0..<4, with: CSIFrameHeader.magic)
        ByteCoding.store(version, into: &bytes, at: Offset.version)
        ByteCoding.store(headerLength, into: &bytes, at: Offset.headerLength)
        ByteCoding.store(seq, into: &bytes, at: Offset.seq)
        ByteCoding.store(tCaptureNs, into: &bytes, at: Offset.tCaptureNs)
        ByteCoding.store(tPublishNs, into: &bytes, at: Offset.tPublishNs)
        ByteCoding.store(receiverID, into: &bytes, at: Offset.receiverID)
        ByteCoding.store(ueID, into: &bytes, at: Offset.ueID)
        ByteCoding.store(antennaCount, into: &bytes, at: Offset.antennaCount)
        ByteCoding.store(subcarrierCount, into: &bytes, at: Offset.subcarrierCount)
        ByteCoding.store(txPorts, into: &bytes, at: Offset.txPorts)
        ByteCoding.store(sampleFormatCode, into: &bytes, at: Offset.sampleFormat)
        ByteCoding.store(layoutCode, into: &bytes, at: Offset.layout)
        ByteCoding.store(flags, into: &bytes, at: Offset.flags)
        ByteCoding.store(metaEpoch, into: &bytes, at: Offset.metaEpoch)
        ByteCoding.store(snrDb.bitPattern, into: &bytes, at: Offset.snrDb)
        ByteCoding.store(scale.bitPattern, into: &bytes, at: Offset.scale)
        ByteCoding.store(crc32c, into: &bytes, at: Offset.crc32c)
        return bytes
    }
}
