import CZMQ
import Glibc

/// A CurveZMQ key pair: what a CURVE server needs, and what a CURVE client presents to a server.
public struct CurveKeyPair: Sendable, Hashable {
    /// The public half, given to peers.
    public let publicKey: CurveKey
    /// The secret half; never logged (its description is redacted).
    public let secretKey: CurveSecretKey

    /// Whether this libzmq was built with CURVE (`zmq_has("curve")`): without it every CURVE option fails.
    public static var isAvailable: Bool { zmq_has("curve") != 0 }

    /// A fresh key pair from libzmq's `zmq_curve_keypair` (libsodium or tweetnacl randomness).
    ///
    /// - Throws: `ENOTSUP` when libzmq has no CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        var secretText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        defer { for index in secretText.indices { secretText[index] = 0 } }
        guard let publicKey = CurveKey(z85: cText(publicText)),
            let secretKey = CurveSecretKey(z85: cText(secretText))
        else { throw ZMQError(code: EPROTO, operation: "zmq_curve_keypair") }
        return CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// The pair of `secretKey`, its public key derived by libzmq (`zmq_curve_public`).
    ///
    /// - Throws: `ENOTSUP` when libzmq has no CURVE.
    public init(secretKey: CurveSecretKey) throws(ZMQError) {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        let rc = secretKey.z85.withCString { zmq_curve_public(&publicText, $0) }
        guard rc == 0 else { throw ZMQError.last("zmq_curve_public") }
        guard let publicKey = CurveKey(z85: cText(publicText)) else {
            throw ZMQError(code: EPROTO, operation: "zmq_curve_public")
        }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }

    /// A pair from both halves, unchecked (``CurveCertificateFile`` checks that they belong together).
    public init(publicKey: CurveKey, secretKey: CurveSecretKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}

/// The text of a NUL-terminated C buffer.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
