import Foundation
import Testing
import ZMQ

/// Z85 and the certificate files: exact formats, and no trap or silent acceptance on garbage.
@Suite("CURVE keys and certificate files")
struct CurveKeyFileTests {
    @Test func z85MatchesTheRFCVectorAndRejectsGarbage() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld") // ZeroMQ RFC 32
        #expect(Z85.decode("HelloWorld") == bytes)
        #expect(Z85.encode([1, 2, 3]) == nil)
        #expect(Z85.decode("Hell") == nil) // length not a multiple of 5
        #expect(Z85.decode("Hello Worl") == nil) // space is not in the alphabet
        #expect(Z85.decode("#####") == nil) // 85⁵−1 > 2³²−1
        #expect(Z85.decode("%nSc0") == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Z85.decode("\u{e9}\u{e9}\u{e9}") == nil) // non-ASCII
        #expect(CurveKey(z85: "HelloWorld") == nil) // right alphabet, wrong length
    }

    @Test func generatedPairsDeriveTheirPublicKey() throws {
        #expect(CurveKeyPair.isAvailable)
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.bytes.count == 32 && pair.publicKey.z85.count == 40)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(try CurveKeyPair.generate() != pair)
        #expect(!"\(pair.secretKey)".contains(pair.secretKey.z85)) // never printed
    }

    @Test func writtenPairsReadBackWithTheirModes() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pair = try CurveKeyPair.generate()
        let (publicPath, secretPath) = try CurveCertificateFile.write(pair, prefix: dir + "/node")
        #expect(publicPath == dir + "/node.key" && secretPath == dir + "/node.key_secret")
        #expect(try mode(secretPath) == 0o600)
        #expect(try mode(publicPath) & 0o077 == 0o044 || umask() != 0o022)
        #expect(try CurveCertificateFile.readKeyPair(at: secretPath) == pair)
        #expect(try CurveCertificateFile.readPublicKey(at: publicPath) == pair.publicKey)
        #expect(!(try String(contentsOfFile: publicPath, encoding: .utf8)).contains(pair.secretKey.z85))
        // No overwrite without asking; with it, a new pair replaces both files.
        #expect(throws: CurveKeyFileError(path: publicPath, problem: .exists)) {
            try CurveCertificateFile.write(pair, prefix: dir + "/node")
        }
        let other = try CurveKeyPair.generate()
        try CurveCertificateFile.write(other, prefix: dir + "/node", overwrite: true)
        #expect(try CurveCertificateFile.readKeyPair(at: secretPath) == other)
    }

    @Test func secretFilesOthersCanReadAreRefused() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, secretPath) = try CurveCertificateFile.write(try CurveKeyPair.generate(), prefix: dir + "/s")
        for bad: mode_t in [0o640, 0o604, 0o660, 0o602] {
            chmod(secretPath, bad)
            #expect(throws: CurveKeyFileError(path: secretPath, problem: .exposed(mode: UInt32(bad)))) {
                try CurveCertificateFile.readKeyPair(at: secretPath)
            }
        }
        chmod(secretPath, 0o400)
        _ = try CurveCertificateFile.readKeyPair(at: secretPath)
        let message = CurveKeyFileError(path: secretPath, problem: .exposed(mode: 0o640)).description
        #expect(message.contains("mode 640") && message.contains("chmod 600 \(secretPath)"))
    }

    @Test func theWrongKindOfFileIsNamed() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (publicPath, secretPath) = try CurveCertificateFile.write(try CurveKeyPair.generate(), prefix: dir + "/k")
        #expect(throws: CurveKeyFileError(path: secretPath, problem: .unexpectedSecretKey)) {
            try CurveCertificateFile.readPublicKey(at: secretPath)
        }
        chmod(publicPath, 0o600)
        #expect(throws: CurveKeyFileError(path: publicPath, problem: .missingSecretKey)) {
            try CurveCertificateFile.readKeyPair(at: publicPath)
        }
        #expect(throws: CurveKeyFileError(path: dir, problem: .notARegularFile)) {
            try CurveCertificateFile.readPublicKey(at: dir)
        }
        #expect(throws: CurveKeyFileError(path: dir + "/absent.key", problem: .unreadable(errno: ENOENT))) {
            try CurveCertificateFile.readPublicKey(at: dir + "/absent.key")
        }
        mkfifo(dir + "/fifo", 0o600) // must not hang
        #expect(throws: CurveKeyFileError(path: dir + "/fifo", problem: .notARegularFile)) {
            try CurveCertificateFile.readPublicKey(at: dir + "/fifo")
        }
    }

    /// (file text, expected problem) for files read as a public key.
    static let malformed: [(String, CurveKeyFileError.Problem)] = {
        let key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        return [
            ("", .missingPublicKey),
            ("# only a comment\n\nmetadata\n", .missingPublicKey),
            ("curve\n    public-key = \"\(key.dropLast())\"\n", .invalidKey(line: 2, name: "public-key")),
            ("curve\n    public-key = \"\(key)x\"\n", .invalidKey(line: 2, name: "public-key")),
            (
                "curve\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\\\"\n",
                .invalidKey(line: 2, name: "public-key")
            ),
            ("curve\n    public-key = \"\(key)\n", .malformed(line: 2, reason: "unterminated quoted value")),
            (
                "curve\n    public-key = \"\(key)\" trailing\n",
                .malformed(line: 2, reason: "text after the quoted value")
            ),
            (
                "curve\n    public-key = \"\(key)\"\n    public-key = \"\(key)\"\n",
                .malformed(line: 3, reason: "'public-key' given twice")
            ),
            (
                "curve\n    publickey = \"\(key)\"\n",
                .malformed(line: 2, reason: "unknown key 'publickey' under 'curve' (allowed: public-key, secret-key)")
            ),
            ("curve\n    public-key\n", .malformed(line: 2, reason: "expected 'name = value'")),
            ("    public-key = \"\(key)\"\n", .malformed(line: 1, reason: "indented line outside a section")),
            ("certificate\n", .malformed(line: 1, reason: "unexpected 'certificate' (sections: metadata, curve)")),
            (
                "public-key = \"\(key)\"\n",
                .malformed(
                    line: 1, reason: "unexpected '\(("public-key = \"" + key).prefix(40))' (sections: metadata, curve)")
            ),
            ("curve\n\tpublic-key = \"\(key)\"\n", .malformed(line: 2, reason: "tab character")),
        ]
    }()

    @Test func malformedFilesAreLocated() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bad.key"
        for (text, problem) in Self.malformed {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: CurveKeyFileError(path: path, problem: problem), "\(text.debugDescription)") {
                try CurveCertificateFile.readPublicKey(at: path)
            }
        }
        // Bare values, CRLF line ends, comments and metadata are fine.
        let key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        try "#c\r\nmetadata\r\n    name = x\r\n        nested = y\r\ncurve\r\n    public-key = \(key)\r\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(try CurveCertificateFile.readPublicKey(at: path).z85 == key)
        // Binary garbage, not UTF-8, and oversized files.
        try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: URL(fileURLWithPath: path))
        #expect(throws: CurveKeyFileError(path: path, problem: .malformed(line: 1, reason: "not UTF-8 text"))) {
            try CurveCertificateFile.readPublicKey(at: path)
        }
        try Data(repeating: 0x23, count: CurveCertificateFile.maxFileBytes + 1).write(to: URL(fileURLWithPath: path))
        #expect(throws: CurveKeyFileError(path: path, problem: .tooLarge(bytes: CurveCertificateFile.maxFileBytes + 1)))
        {
            try CurveCertificateFile.readPublicKey(at: path)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 { // random bytes never trap, and never yield a key
            let garbage = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            try Data(garbage).write(to: URL(fileURLWithPath: path))
            #expect(throws: CurveKeyFileError.self) { try CurveCertificateFile.readPublicKey(at: path) }
        }
    }

    @Test func aPairWhosePublicKeyIsNotItsOwnIsRefused() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try CurveKeyPair.generate(), b = try CurveKeyPair.generate()
        let path = dir + "/mixed.key_secret"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        close(fd)
        try "curve\n    public-key = \"\(b.publicKey.z85)\"\n    secret-key = \"\(a.secretKey.z85)\"\n"
            .write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: CurveKeyFileError(path: path, problem: .mismatchedPair)) {
            try CurveCertificateFile.readKeyPair(at: path)
        }
    }

    @Test(.enabled(if: Python.hasPyZMQ)) func pyzmqReadsOursAndWeReadPyzmqs() throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pair = try CurveKeyPair.generate()
        try CurveCertificateFile.write(pair, prefix: dir + "/ours")
        let script = """
            import sys, zmq.auth
            pub, sec = zmq.auth.load_certificate(sys.argv[1] + '/ours.key_secret')
            pub2, none = zmq.auth.load_certificate(sys.argv[1] + '/ours.key')
            assert none is None and pub == pub2
            print(pub.decode(), sec.decode())
            zmq.auth.create_certificates(sys.argv[1], 'theirs')
            """
        let (status, output) = try Python.run(script, [dir])
        try #require(status == 0, "\(output)")
        let words = output.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(words == [pair.publicKey.z85, pair.secretKey.z85])
        // pyzmq writes its secret file with the umask's mode: we refuse it until it is private.
        chmod(dir + "/theirs.key_secret", 0o644)
        #expect(throws: CurveKeyFileError.self) { try CurveCertificateFile.readKeyPair(at: dir + "/theirs.key_secret") }
        chmod(dir + "/theirs.key_secret", 0o600)
        let theirs = try CurveCertificateFile.readKeyPair(at: dir + "/theirs.key_secret")
        #expect(try CurveCertificateFile.readPublicKey(at: dir + "/theirs.key") == theirs.publicKey)
    }

    private func makeDirectory() throws -> String {
        let path = "/tmp/zmqtest-keys-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func mode(_ path: String) throws -> mode_t {
        var info = stat()
        try #require(stat(path, &info) == 0)
        return info.st_mode & 0o777
    }

    private func umask() -> mode_t {
        let current = Foundation.umask(0o022)
        Foundation.umask(current)
        return current
    }
}

/// `python3` with pyzmq, for interoperability checks; tests that need it skip themselves without it.
enum Python {
    static let hasPyZMQ: Bool = (try? run("import zmq, zmq.auth"))?.status == 0

    static func run(_ script: String, _ args: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// The in-memory readers (what the `curve` fuzz harness drives, docs/fuzzing.md) check content exactly as the
/// file readers do, minus the file's own checks (kind, permissions).
@Suite("CURVE certificate content")
struct CurveCertificateContentTests {
    @Test func contentReadersAgreeWithFileReaders() throws {
        let dir = NSTemporaryDirectory() + "/csiloc-curve-content-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pair = try CurveKeyPair.generate()
        let (publicPath, secretPath) = try CurveCertificateFile.write(pair, prefix: dir + "/node")
        let publicBytes = Array(try Data(contentsOf: URL(fileURLWithPath: publicPath)))
        let secretBytes = Array(try Data(contentsOf: URL(fileURLWithPath: secretPath)))
        #expect(try CurveCertificateFile.publicKey(certificate: publicBytes, name: "a.key") == pair.publicKey)
        #expect(try CurveCertificateFile.keyPair(certificate: secretBytes, name: "a.key_secret") == pair)
        // The wrong kind, named by the name given.
        #expect(throws: CurveKeyFileError(path: "a.key", problem: .unexpectedSecretKey)) {
            try CurveCertificateFile.publicKey(certificate: secretBytes, name: "a.key")
        }
        #expect(throws: CurveKeyFileError(path: "b", problem: .missingSecretKey)) {
            try CurveCertificateFile.keyPair(certificate: publicBytes, name: "b")
        }
        // Content above the file limit is refused before parsing, as a file of that size is.
        let big = [UInt8](repeating: UInt8(ascii: "#"), count: CurveCertificateFile.maxFileBytes + 1)
        #expect(throws: CurveKeyFileError(path: "c", problem: .tooLarge(bytes: big.count))) {
            try CurveCertificateFile.publicKey(certificate: big, name: "c")
        }
    }
}
