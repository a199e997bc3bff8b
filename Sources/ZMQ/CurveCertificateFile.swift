import Glibc

/// CURVE key files in ZeroMQ's certificate format, the one CZMQ's `zcert` and pyzmq's
/// `zmq.auth.create_certificates` write and `zmq.auth.load_certificate` reads (ZPL, ZeroMQ RFC 4):
///
/// ```
/// #   ZeroMQ CURVE Public Certificate           NAME.key          (hand it to peers)
/// metadata
/// curve
///     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
/// ```
///
/// The secret file (`NAME.key_secret`) adds `secret-key = "…"` under `curve`. Reading is strict and total:
/// a file over 64 KiB, an unknown section, a key under `curve` other than `public-key`/`secret-key`, a
/// repeated key or a value that is not exactly 40 Z85 characters is an error naming the file and line. A
/// secret file must be a regular file that group and other cannot access (mode 0600 or 0400, like ssh
/// keys), and its public key must be the one its secret key derives.
public enum CurveCertificateFile {
    /// Largest file read.
    package static let maxFileBytes = 65_536

    /// File name suffixes of a pair written by ``write(_:prefix:overwrite:)``.
    static let publicSuffix = ".key", secretSuffix = ".key_secret"

    /// Reads a public certificate (`NAME.key`). A file that also holds a secret key is refused, so that a
    /// configuration never points peers' allow-lists at a secret.
    public static func readPublicKey(at path: String) throws(CurveKeyFileError) -> CurveKey {
        try publicKey(of: parse(try readFile(path).bytes, path: path), path: path)
    }

    /// Reads a secret certificate (`NAME.key_secret`): both keys, checked against each other; refuses a file
    /// that group or other can access.
    public static func readKeyPair(at path: String) throws(CurveKeyFileError) -> CurveKeyPair {
        let (bytes, mode) = try readFile(path)
        return try keyPair(of: parse(bytes, path: path), mode: mode, path: path)
    }

    /// A public certificate's content, checked like ``readPublicKey(at:)`` checks a file's; `name` stands for
    /// the path in errors.
    public static func publicKey(certificate bytes: [UInt8], name: String) throws(CurveKeyFileError) -> CurveKey {
        guard bytes.count <= maxFileBytes else {
            throw CurveKeyFileError(path: name, problem: .tooLarge(bytes: bytes.count))
        }
        return try publicKey(of: parse(bytes, path: name), path: name)
    }

    /// A secret certificate's content, checked like ``readKeyPair(at:)`` checks a file's except for the file's
    /// permissions; `name` stands for the path in errors.
    public static func keyPair(certificate bytes: [UInt8], name: String) throws(CurveKeyFileError) -> CurveKeyPair {
        guard bytes.count <= maxFileBytes else {
            throw CurveKeyFileError(path: name, problem: .tooLarge(bytes: bytes.count))
        }
        return try keyPair(of: parse(bytes, path: name), mode: nil, path: name)
    }

    private static func publicKey(of entries: Entries, path: String) throws(CurveKeyFileError) -> CurveKey {
        guard entries.secretKey == nil else { throw CurveKeyFileError(path: path, problem: .unexpectedSecretKey) }
        guard let publicKey = entries.publicKey else { throw CurveKeyFileError(path: path, problem: .missingPublicKey) }
        return publicKey
    }

    /// `mode`: the file's permission bits (`nil`: content only).
    private static func keyPair(
        of entries: Entries, mode: UInt32?, path: String
    ) throws(CurveKeyFileError) -> CurveKeyPair {
        // Kind first (a public file given by mistake is named as such), then its permissions.
        guard let secretKey = entries.secretKey else { throw CurveKeyFileError(path: path, problem: .missingSecretKey) }
        if let mode, mode & 0o077 != 0 { throw CurveKeyFileError(path: path, problem: .exposed(mode: mode)) }
        guard let publicKey = entries.publicKey else { throw CurveKeyFileError(path: path, problem: .missingPublicKey) }
        let derived: CurveKeyPair
        do {
            derived = try CurveKeyPair(secretKey: secretKey)
        } catch {
            throw CurveKeyFileError(path: path, problem: .curveUnavailable)
        }
        guard derived.publicKey == publicKey else { throw CurveKeyFileError(path: path, problem: .mismatchedPair) }
        return derived
    }

    /// Writes `pair` as `prefix.key` (mode 0644) and `prefix.key_secret` (mode 0600, created with that mode:
    /// never readable by others, not even briefly). Without `overwrite` an existing file is an error and
    /// nothing is written. Each file is fsynced.
    ///
    /// - Returns: the paths written.
    @discardableResult
    public static func write(
        _ pair: CurveKeyPair, prefix: String, overwrite: Bool = false
    ) throws(CurveKeyFileError) -> (publicPath: String, secretPath: String) {
        let publicPath = prefix + publicSuffix
        let secretPath = prefix + secretSuffix
        if !overwrite {
            for path in [publicPath, secretPath] where access(path, F_OK) == 0 {
                throw CurveKeyFileError(path: path, problem: .exists)
            }
        }
        let banner = "#   ****  Generated by csiloc keygen  ****\n"
        let publicText =
            banner + """
                #   ZeroMQ CURVE Public Certificate
                #   Exchange securely, or use a secure mechanism to verify the contents
                #   of this file after exchange.

                metadata
                curve
                    public-key = "\(pair.publicKey.z85)"

                """
        let secretText =
            banner + """
                #   ZeroMQ CURVE **Secret** Certificate
                #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

                metadata
                curve
                    public-key = "\(pair.publicKey.z85)"
                    secret-key = "\(pair.secretKey.z85)"

                """
        try writeFile(secretPath, Array(secretText.utf8), mode: 0o600, overwrite: overwrite)
        do {
            try writeFile(publicPath, Array(publicText.utf8), mode: 0o644, overwrite: overwrite)
        } catch {
            unlink(secretPath)
            throw error
        }
        return (publicPath, secretPath)
    }

    // MARK: - Parsing

    /// The keys found under `curve`.
    struct Entries {
        var publicKey: CurveKey?
        var secretKey: CurveSecretKey?
    }

    /// Parses the ZPL subset ZeroMQ certificates use: comment and blank lines, the top-level sections
    /// `metadata` (content ignored) and `curve` (only `public-key` and `secret-key`, each at most once, values
    /// quoted or bare).
    static func parse(_ bytes: [UInt8], path: String) throws(CurveKeyFileError) -> Entries {
        func fail(_ line: Int, _ reason: String) -> CurveKeyFileError {
            CurveKeyFileError(path: path, problem: .malformed(line: line, reason: reason))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw fail(1, "not UTF-8 text") }
        var entries = Entries()
        var section: Substring?
        // Split bytes, not Characters: "\r\n" is a single Character in Swift.
        for (index, rawLine) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = Substring(String(decoding: rawLine.last == 0x0D ? rawLine.dropLast() : rawLine, as: UTF8.self))
            let body = line.drop(while: { $0 == " " })
            let indent = line.count - body.count
            if body.isEmpty || body.hasPrefix("#") { continue }
            guard !body.contains("\t") || section == "metadata" else { throw fail(number, "tab character") }
            if indent == 0 {
                guard body == "metadata" || body == "curve" else {
                    throw fail(number, "unexpected '\(body.prefix(40))' (sections: metadata, curve)")
                }
                section = body
                continue
            }
            switch section {
            case nil: throw fail(number, "indented line outside a section")
            case "metadata": continue
            default: try parseCurveEntry(body, line: number, into: &entries, path: path)
            }
        }
        return entries
    }

    /// One `name = value` line under `curve`.
    private static func parseCurveEntry(
        _ body: Substring, line: Int, into entries: inout Entries, path: String
    ) throws(CurveKeyFileError) {
        func fail(_ reason: String) -> CurveKeyFileError {
            CurveKeyFileError(path: path, problem: .malformed(line: line, reason: reason))
        }
        guard let equals = body.firstIndex(of: "=") else { throw fail("expected 'name = value'") }
        let name = body[..<equals].trimmingSpaces
        var value = body[body.index(after: equals)...].trimmingSpaces
        if let quote = value.first, quote == "\"" || quote == "'" {
            let rest = value.dropFirst()
            guard let close = rest.firstIndex(of: quote) else { throw fail("unterminated quoted value") }
            let trailing = rest[rest.index(after: close)...].trimmingSpaces
            guard trailing.isEmpty || trailing.hasPrefix("#") else { throw fail("text after the quoted value") }
            value = rest[..<close]
        }
        switch name {
        case "public-key":
            guard entries.publicKey == nil else { throw fail("'public-key' given twice") }
            guard let key = CurveKey(z85: String(value)) else {
                throw CurveKeyFileError(path: path, problem: .invalidKey(line: line, name: "public-key"))
            }
            entries.publicKey = key
        case "secret-key":
            guard entries.secretKey == nil else { throw fail("'secret-key' given twice") }
            guard let key = CurveSecretKey(z85: String(value)) else {
                throw CurveKeyFileError(path: path, problem: .invalidKey(line: line, name: "secret-key"))
            }
            entries.secretKey = key
        default:
            throw fail("unknown key '\(name.prefix(40))' under 'curve' (allowed: public-key, secret-key)")
        }
    }

    // MARK: - File access

    /// Reads at most ``maxFileBytes`` of a regular file, with its permission bits. The checks are made on the
    /// opened descriptor (`fstat`), not the path, so a swapped file cannot slip by.
    static func readFile(_ path: String) throws(CurveKeyFileError) -> (bytes: [UInt8], mode: UInt32) {
        // O_NONBLOCK: opening a FIFO must not hang; regular files ignore it.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw CurveKeyFileError(path: path, problem: .unreadable(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CurveKeyFileError(path: path, problem: .unreadable(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw CurveKeyFileError(path: path, problem: .notARegularFile) }
        guard info.st_size <= maxFileBytes else {
            throw CurveKeyFileError(path: path, problem: .tooLarge(bytes: Int(info.st_size)))
        }
        var bytes = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw CurveKeyFileError(path: path, problem: .unreadable(errno: errno))
            }
            count += n
        }
        guard count <= maxFileBytes else { throw CurveKeyFileError(path: path, problem: .tooLarge(bytes: count)) }
        return (Array(bytes[..<count]), UInt32(info.st_mode & 0o7777))
    }

    /// Creates `path` with `mode` (exclusive: an existing file is first removed when `overwrite`), writes
    /// `bytes`, fsyncs. Never follows a symbolic link at `path`.
    private static func writeFile(
        _ path: String, _ bytes: [UInt8], mode: mode_t, overwrite: Bool
    ) throws(CurveKeyFileError) {
        if overwrite, unlink(path) != 0, errno != ENOENT {
            throw CurveKeyFileError(path: path, problem: .writeFailed(errno: errno))
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw CurveKeyFileError(path: path, problem: errno == EEXIST ? .exists : .writeFailed(errno: errno))
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(path)
                throw CurveKeyFileError(path: path, problem: .writeFailed(errno: code))
            }
            written += n
        }
        let synced = fsync(fd) == 0
        let code = errno
        close(fd)
        guard synced else {
            unlink(path)
            throw CurveKeyFileError(path: path, problem: .writeFailed(errno: code))
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        let start = drop(while: { $0 == " " || $0 == "\t" })
        var end = start
        while let last = end.last, last == " " || last == "\t" { end = end.dropLast() }
        return end
    }
}
