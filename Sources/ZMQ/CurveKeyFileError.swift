import Glibc

/// Why a CURVE certificate file could not be read or written; names the file.
public struct CurveKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Problem: Sendable, Equatable {
        /// `open`/`read`/`fstat` failed with this `errno` (e.g. `ENOENT`: no such file).
        case unreadable(errno: Int32)
        /// The path is a directory, device, FIFO or socket.
        case notARegularFile
        /// Larger than ``CurveCertificateFile/maxFileBytes``: not a certificate.
        case tooLarge(bytes: Int)
        /// A secret key file that group or other may access (`mode & 0o077 != 0`); `mode` holds the permission bits.
        case exposed(mode: UInt32)
        /// Not a certificate in the ZPL format at this 1-based line.
        case malformed(line: Int, reason: String)
        /// No `curve` / `public-key` entry.
        case missingPublicKey
        /// A file read as a key pair without `secret-key`.
        case missingSecretKey
        /// A file read as a public key that holds a `secret-key`: hand out the public `.key` file instead.
        case unexpectedSecretKey
        /// The `public-key` or `secret-key` value at this line is not 40 Z85 characters.
        case invalidKey(line: Int, name: String)
        /// The file's `public-key` is not the public key of its `secret-key`.
        case mismatchedPair
        /// libzmq cannot derive public keys (built without CURVE).
        case curveUnavailable
        /// Writing: the file exists (pass `overwrite` to replace it).
        case exists
        /// Writing failed with this `errno`.
        case writeFailed(errno: Int32)
    }

    /// The file concerned.
    public let path: String
    /// What is wrong with it.
    let problem: Problem

    package init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// One line naming the file and what is wrong with it.
    public var description: String {
        let text: String
        switch problem {
        case .unreadable(let code): text = "cannot read key file: \(String(cString: strerror(code)))"
        case .notARegularFile: text = "not a regular file"
        case .tooLarge(let bytes):
            text = "\(bytes) bytes is too large for a key file (at most \(CurveCertificateFile.maxFileBytes))"
        case .exposed(let mode):
            text =
                "secret key file is accessible by group or other (mode \(String(mode, radix: 8))); "
                + "run: chmod 600 \(path)"
        case .malformed(let line, let reason): text = "line \(line): not a ZeroMQ certificate: \(reason)"
        case .missingPublicKey:
            text = "no 'public-key' under 'curve' (expected a ZeroMQ certificate, e.g. from csiloc keygen)"
        case .missingSecretKey:
            text = "no 'secret-key' under 'curve': this is a public key file; give the .key_secret file"
        case .unexpectedSecretKey:
            text = "this file holds a secret key; give the public .key file instead (and keep this one private)"
        case .invalidKey(let line, let name): text = "line \(line): '\(name)' is not a 40-character Z85 key"
        case .mismatchedPair: text = "'public-key' does not belong to 'secret-key'"
        case .curveUnavailable: text = "libzmq was built without CURVE (zmq_has(\"curve\") is false)"
        case .exists: text = "exists (use --force to replace it)"
        case .writeFailed(let code): text = "cannot write key file: \(String(cString: strerror(code)))"
        }
        return "\(path): \(text)"
    }
}
