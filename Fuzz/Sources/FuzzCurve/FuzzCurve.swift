// libFuzzer harness: ZMQ's CURVE certificate reader (CurveCertificateFile: the ZPL subset of ZeroMQ key files,
// Z85 keys, the secret/public pair check via libzmq's zmq_curve_public) from bytes in memory. Input: the content
// of a `NAME.key` or `NAME.key_secret` file (the file checks — regular file, size, mode — are the readers' own,
// covered by the tests). Invariants: an error names the file; an accepted key re-encodes to Z85 and decodes to
// itself; an accepted key or pair written back in the canonical format reads back the same; a pair's public key
// is the one its secret key derives.
import FuzzSupport
import ZMQ

private let name = "fuzz.key"

private func canonicalPublic(_ key: CurveKey) -> [UInt8] {
    Array("metadata\ncurve\n    public-key = \"\(key.z85)\"\n".utf8)
}

private func canonicalSecret(_ pair: CurveKeyPair) -> [UInt8] {
    Array(
        "metadata\ncurve\n    public-key = \"\(pair.publicKey.z85)\"\n    secret-key = \"\(pair.secretKey.z85)\"\n".utf8
    )
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCurve(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    do {
        let key = try CurveCertificateFile.publicKey(certificate: bytes, name: name)
        guard CurveKey(z85: key.z85) == key else {
            FuzzInput.fail("public key \(key.z85) does not round-trip through Z85")
        }
        guard (try? CurveCertificateFile.publicKey(certificate: canonicalPublic(key), name: name)) == key else {
            FuzzInput.fail("canonical certificate of \(key.z85) does not read back")
        }
    } catch {
        if error.path != name { FuzzInput.fail("error names '\(error.path)', not the file") }
    }
    do {
        let pair = try CurveCertificateFile.keyPair(certificate: bytes, name: name)
        guard let derived = try? CurveKeyPair(secretKey: pair.secretKey), derived.publicKey == pair.publicKey else {
            FuzzInput.fail("accepted pair whose public key is not the secret key's")
        }
        guard (try? CurveCertificateFile.keyPair(certificate: canonicalSecret(pair), name: name)) == pair else {
            FuzzInput.fail("canonical secret certificate does not read back")
        }
    } catch {
        if error.path != name { FuzzInput.fail("error names '\(error.path)', not the file") }
    }
    return 0
}

@main
enum Harness {
    static func main() {
        FuzzMain.run(fuzzCurve) {
            // `csiloc keygen`'s writer (CurveCertificateFile.write), plus the variants other writers produce.
            let pair = try CurveKeyPair.generate()
            let prefix = SeedWriter.scratchPath("curve")
            let paths = try CurveCertificateFile.write(pair, prefix: prefix)
            let publicFile = SeedWriter.take(paths.publicPath)
            let secretFile = SeedWriter.take(paths.secretPath)
            let crlf = String(decoding: secretFile, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false
            )
            .joined(separator: "\r\n")
            let zcert = """
                #   ****  Generated on 2026-12-06 by CZMQ  ****
                #   ZeroMQ CURVE **Secret** Certificate
                #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

                metadata
                    name = "rx3"
                    email = "ops@example.org"
                curve
                    public-key = '\(pair.publicKey.z85)'   # single quotes and a comment
                    secret-key = \(pair.secretKey.z85)
                """
            return [
                ("public", publicFile), ("secret", secretFile), ("secret-crlf", Array(crlf.utf8)),
                ("secret-zcert", Array(zcert.utf8)),
            ]
        }
    }
}
