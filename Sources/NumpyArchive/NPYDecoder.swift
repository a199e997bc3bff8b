/// Reads one `.npy` payload from an ``EntryReader``: header, strict length check, then the data, normalised to
/// little-endian C order either as raw bytes (``readArray(_:)``) or converted straight into a Swift array
/// (``readValues(_:_:)``), which for C-order data needs no intermediate copy of the whole array.
enum NPYDecoder {
    /// Bytes converted per step when the data needs byte swapping or type conversion.
    private static let conversionChunk = 1 << 20

    static func readHeader(_ reader: EntryReader) throws -> NPYHeader {
        let context = reader.context
        let fields = try readHeaderFields(reader)
        let header: NPYHeader
        switch ParsedDescr.parse(fields.descr) {
        case .success(let descr):
            header = NPYHeader(descr: descr, fortranOrder: fields.fortranOrder, shape: fields.shape)
        case .failure(let problem): throw context.error(problem.kind, problem.message)
        }
        let shapeText = NPYHeader.formatShape(header.shape)
        guard let dataLength = NPYHeader.dataLength(header.shape, header.descr.dtype) else {
            throw context.error(
                .shapeMismatch, "shape \(shapeText) of \(header.descr.text) is too large (size overflows)")
        }
        guard dataLength == reader.remaining else {
            throw context.error(
                .shapeMismatch,
                "data length mismatch: shape \(shapeText) of \(header.descr.text) needs \(dataLength) bytes, found \(reader.remaining)"
            )
        }
        return header
    }

    /// Reads the preamble and the header dictionary, leaving `reader` at the first data byte; the dtype is not
    /// resolved and the data length not checked (each caller does both for the dtypes it accepts).
    static func readHeaderFields(_ reader: EntryReader) throws -> NPYHeader.Fields {
        let context = reader.context
        guard reader.remaining >= NPYHeader.prefixLength else {
            throw context.error(.badNPY, "not a .npy array: \(reader.remaining) bytes is too short for the header")
        }
        let (lengthBytes, utf8) = try NPYHeader.parsePrefix(try reader.readBytes(NPYHeader.prefixLength), context)
        guard reader.remaining >= lengthBytes else {
            throw context.error(.badNPY, "not a .npy array: ends inside the header length field")
        }
        let headerLength = try reader.readBytes(lengthBytes).reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength <= NPYHeader.maxHeaderLength, headerLength <= reader.remaining else {
            throw context.error(
                .badNPY,
                "malformed .npy header: declares \(headerLength) header bytes, only \(min(reader.remaining, NPYHeader.maxHeaderLength)) allowed here"
            )
        }
        return try NPYHeader.parseFields(try reader.readBytes(headerLength), utf8: utf8, context)
    }

    /// Checks the header against what the caller will accept, before a single data byte is inflated or allocated:
    /// a 600 MB member behind a wrong shape is rejected from its header alone.
    typealias HeaderCheck = (NPYHeader, ErrorContext) throws -> Void

    /// The whole array as little-endian C-order bytes.
    static func readArray(_ reader: EntryReader, check: HeaderCheck? = nil) throws -> NPYArray {
        let header = try readHeader(reader)
        try check?(header, reader.context)
        return try readArray(reader, header)
    }

    private static func readArray(_ reader: EntryReader, _ header: NPYHeader) throws -> NPYArray {
        let dtype = header.descr.dtype
        var bytes = try reader.readBytes(reader.remaining)
        try reader.finish()
        if header.descr.bigEndian {
            bytes.withUnsafeMutableBytes {
                ElementConversion.swapBytes($0, componentSize: dtype.componentType.itemSize)
            }
        }
        if header.fortranOrder && header.shape.count > 1 {
            let fortran = bytes
            fortran.withUnsafeBytes { source in
                bytes.withUnsafeMutableBytes { destination in
                    ElementConversion.fortranToC(
                        source, into: destination, shape: header.shape, itemSize: dtype.itemSize)
                }
            }
        }
        return NPYArray(validated: dtype, shape: header.shape, bytes: bytes, context: reader.context)
    }

    /// The array converted to `Element`s (interleaved for complex targets) with its shape.
    static func readValues<Element>(
        _ reader: EntryReader, _ decoding: Decoding<Element>,
        check: HeaderCheck? = nil
    ) throws -> NPYValues<Element> {
        let header = try readHeader(reader)
        let dtype = header.descr.dtype
        guard decoding.accepts(dtype) else {
            throw reader.context.error(.typeMismatch, "expected dtype \(decoding.expected), found \(header.descr.text)")
        }
        try check?(header, reader.context)
        let component = dtype.componentType
        let scalars = reader.remaining / component.itemSize
        if header.fortranOrder && header.shape.count > 1 {
            // Needs the whole array for the transpose anyway.
            let array = try readArray(reader, header)
            let values = array.bytes.withUnsafeBytes { decoding.decode($0, component: component, scalars: scalars) }
            return NPYValues(shape: header.shape, values: values, context: reader.context)
        }
        let values = try [Element](unsafeUninitializedCapacity: scalars) { buffer, initialized in
            let destination = UnsafeMutableRawBufferPointer(buffer)
            if decoding.isIdentity(component) && !header.descr.bigEndian && 1.littleEndian == 1 {
                try reader.read(into: destination)
            } else if scalars > 0 {
                try readConverting(reader, header.descr, decoding, into: buffer.baseAddress!)
            }
            initialized = scalars
        }
        try reader.finish()
        return NPYValues(shape: header.shape, values: values, context: reader.context)
    }

    private static func readConverting<Element>(
        _ reader: EntryReader, _ descr: ParsedDescr, _ decoding: Decoding<Element>,
        into destination: UnsafeMutablePointer<Element>
    ) throws {
        let component = descr.dtype.componentType
        let chunk = max(component.itemSize, conversionChunk / component.itemSize * component.itemSize)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: min(chunk, reader.remaining), alignment: 16)
        defer { scratch.deallocate() }
        var written = 0
        while reader.remaining > 0 {
            let part = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<min(scratch.count, reader.remaining)])
            try reader.read(into: part)
            if descr.bigEndian { ElementConversion.swapBytes(part, componentSize: component.itemSize) }
            let n = part.count / component.itemSize
            decoding.convert(UnsafeRawPointer(part.baseAddress!), component, n, destination + written)
            written += n
        }
    }
}

extension ParsedDescr {
    /// The descr as it appeared in the file (`>f8`, `<c8`, `|b1`).
    var text: String { bigEndian ? ">" + dtype.code : dtype.descr }
}
