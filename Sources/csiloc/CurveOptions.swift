import ArgumentParser
import ZMQ

/// `--curve-*` options of the commands with one ZeroMQ socket (`record`, `replay`): CurveZMQ with key files
/// from `csiloc keygen` (docs/daemon.md, "Security"). The role follows the socket: connecting, this end is a
/// CURVE client that pins the server's public key; binding, it is the CURVE server and lets in the listed
/// client keys. Without `--curve-secret-key` the socket is plaintext.
struct CurveOptions: ParsableArguments {
    @Option(
        name: .customLong("curve-secret-key"),
        help: ArgumentHelp(
            "This end's CURVE key pair: a .key_secret file (mode 0600) from csiloc keygen. Enables CURVE.",
            valueName: "file"))
    var secretKey: String?

    @Option(
        name: .customLong("curve-server-key"),
        help: ArgumentHelp(
            "Connecting with CURVE: the server's public key file (.key), e.g. csilocd's.", valueName: "file"))
    var serverKey: String?

    @Option(
        name: .customLong("curve-allow"),
        help: ArgumentHelp(
            "Binding with CURVE: a client's public key file (.key) allowed to connect; repeat for several.",
            valueName: "file"))
    var allow: [String] = []

    /// Checks that the options fit a socket that binds (`binding`) or connects.
    func validate(binding: Bool) throws {
        guard secretKey != nil else {
            if serverKey != nil || !allow.isEmpty {
                throw ValidationError("--curve-server-key and --curve-allow need --curve-secret-key")
            }
            return
        }
        if binding {
            if serverKey != nil {
                throw ValidationError(
                    "--curve-server-key is for a connecting socket; binding, list the clients with --curve-allow")
            }
            if allow.isEmpty {
                throw ValidationError("binding with CURVE: list the clients allowed to connect with --curve-allow FILE")
            }
        } else {
            if !allow.isEmpty {
                throw ValidationError(
                    "--curve-allow is for a binding socket; connecting, give the server's key with --curve-server-key")
            }
            if serverKey == nil {
                throw ValidationError(
                    "connecting with CURVE: give the server's public key with --curve-server-key FILE")
            }
        }
    }

    /// Reads the key files: the socket's security and, for a server, the clients let in.
    ///
    /// - Throws: `CurveKeyFileError` naming the file.
    func security(binding: Bool, zapDomain: String) throws -> (security: SocketSecurity, clients: Set<CurveKey>) {
        guard let secretKey else { return (.plaintext, []) }
        let keyPair = try CurveCertificateFile.readKeyPair(at: secretKey)
        if binding {
            return (.curveServer(keyPair: keyPair, zapDomain: zapDomain), try Self.readClients(allow))
        }
        return (
            .curveClient(keyPair: keyPair, serverKey: try CurveCertificateFile.readPublicKey(at: serverKey ?? "")), []
        )
    }

    /// Reads public key files (an allow-list).
    static func readClients(_ paths: [String]) throws -> Set<CurveKey> {
        var keys: Set<CurveKey> = []
        for path in paths { keys.insert(try CurveCertificateFile.readPublicKey(at: path)) }
        return keys
    }
}
