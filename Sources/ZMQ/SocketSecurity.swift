/// How a socket secures its connections: plaintext (ZMTP `NULL`) or CurveZMQ in one of its two roles.
///
/// CURVE roles are independent of bind/connect: the **server** holds a key pair that its clients know in
/// advance and asks the ZAP handler of its context (``ZAPHandler``, under ``zapDomain``) whether each
/// client's public key may connect; a **client** presents its own key pair and pins the server's public key,
/// so it only talks to that server. Every connection of a CURVE socket is encrypted and authenticated
/// (Curve25519, XSalsa20-Poly1305); a plaintext peer cannot even complete the handshake.
///
/// Server sockets also set `ZMQ_ZAP_ENFORCE_DOMAIN`, so that without a ZAP handler bound in the context
/// every client is refused (libzmq otherwise accepts all clients when no handler is bound).
public enum SocketSecurity: Sendable, Hashable {
    /// No encryption, no authentication (ZMTP `NULL`); the default of every socket.
    case plaintext
    /// CURVE server: clients must know `keyPair.publicKey`; the context's ZAP handler decides, for requests
    /// carrying `zapDomain`, which client keys are accepted.
    case curveServer(keyPair: CurveKeyPair, zapDomain: String)
    /// CURVE client: connects only to a server whose public key is `serverKey`, presenting `keyPair`.
    case curveClient(keyPair: CurveKeyPair, serverKey: CurveKey)

    /// Whether the socket uses CURVE.
    public var isEncrypted: Bool {
        if case .plaintext = self { return false }
        return true
    }
}
