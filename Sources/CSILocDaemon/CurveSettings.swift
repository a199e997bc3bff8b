import Foundation
import StrictYAML
public import ZMQ

/// `curve:` — CurveZMQ encryption and client authentication on the daemon's sockets (docs/daemon.md,
/// "Security"). Absent: both sockets are plaintext.
///
/// Roles: on the fix feed csilocd is always the CURVE **server** (consumers pin its public key; their own keys
/// must be in `output_clients`). On the CSI input the role follows `input.bind`: binding, csilocd is the server
/// and publishers' keys must be in `input_clients`; connecting (the usual topology), csilocd is a **client**
/// that pins the publisher's server key (`input_server_key`) and presents its own key pair, which the publisher
/// must allow. One key pair (`secret_key`) serves both sockets.
///
/// Keys live in files named here (ZeroMQ certificates, `csiloc keygen`; never inline). They are read while the
/// configuration is decoded, so `--check`, the start and every reload validate them, and an error names the
/// key, the file and what is wrong with it. SIGHUP re-reads the allow-lists (`input_clients`, `output_clients`;
/// they apply to later handshakes); any other change under `curve` needs a restart.
public struct CurveSettings: Sendable, Equatable {
    /// How the CSI input is secured.
    public enum Input: Sendable, Equatable {
        /// Plaintext (`curve.input: false`).
        case plaintext
        /// `input.bind: true`: csilocd is the CURVE server; publishers with these public keys may connect.
        case server(clients: Set<CurveKey>)
        /// `input.bind: false`: csilocd is a CURVE client of the publisher with this server key.
        case client(serverKey: CurveKey)
    }

    /// How the fix feed is secured.
    public enum Output: Sendable, Equatable {
        /// Plaintext (`curve.output: false`).
        case plaintext
        /// csilocd is the CURVE server; consumers with these public keys may subscribe.
        case server(clients: Set<CurveKey>)
    }

    /// The daemon's key pair (server key of the fix feed and of a bound input; client key of a connected input).
    public var keyPair: CurveKeyPair
    /// How the input socket is secured.
    public var input: Input
    /// How the fix feed is secured.
    public var output: Output
    /// The file the key pair was read from (for `--check`); `nil` when set in code.
    var secretKeyFile: String?

    /// ZAP domains of the two sockets (each has its own allow-list).
    static let inputDomain = "csilocd-input", outputDomain = "csilocd-output"
    /// Most public keys an allow-list may name.
    static let maxClients = 10_000
    /// `decoder.userInfo` key holding the configuration file's directory (relative key paths start there).
    static let baseDirectoryKey = CodingUserInfoKey(rawValue: "csilocd.configurationDirectory")!

    enum CodingKeys: String, CodingKey, CaseIterable {
        case secretKey = "secret_key", input, output
        case inputServerKey = "input_server_key", inputClients = "input_clients", outputClients = "output_clients"
    }

    /// Settings made in code (tests, the in-process harness).
    public init(keyPair: CurveKeyPair, input: Input, output: Output) {
        self.keyPair = keyPair
        self.input = input
        self.output = output
    }

    /// Decodes `curve:` and reads the key files; `inputBinds` is `input.bind`, which decides the input's role.
    init(from decoder: any Decoder, inputBinds: Bool) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let base = decoder.userInfo[Self.baseDirectoryKey] as? String ?? ""
        let secretName = try c.decode(String.self, forKey: .secretKey)
        try c.require(!secretName.isEmpty, .secretKey, "must not be empty")
        let secretPath = resolve(secretName, base)
        do {
            keyPair = try CurveCertificateFile.readKeyPair(at: secretPath)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .secretKey, in: c, debugDescription: error.description)
        }
        secretKeyFile = secretPath
        let encryptInput = try c.value(.input, default: true)
        let encryptOutput = try c.value(.output, default: true)
        try c.require(
            encryptInput || encryptOutput, .output, "neither input nor output uses CURVE: remove the curve section")

        if encryptOutput {
            try c.require(
                c.contains(.outputClients), .outputClients,
                "required with curve.output: true: the public key files of the consumers allowed to subscribe")
            output = .server(clients: try Self.readClients(c, .outputClients, base: base))
        } else {
            try c.require(!c.contains(.outputClients), .outputClients, "only with curve.output: true")
            output = .plaintext
        }

        switch (encryptInput, inputBinds) {
        case (false, _):
            try c.require(!c.contains(.inputClients), .inputClients, "only with curve.input: true")
            try c.require(!c.contains(.inputServerKey), .inputServerKey, "only with curve.input: true")
            input = .plaintext
        case (true, true):
            try c.require(
                !c.contains(.inputServerKey), .inputServerKey,
                "only with input.bind: false (csilocd connects to a CURVE server); with input.bind: true list the publishers in input_clients"
            )
            try c.require(
                c.contains(.inputClients), .inputClients,
                "required with input.bind: true: the public key files of the publishers allowed to connect")
            input = .server(clients: try Self.readClients(c, .inputClients, base: base))
        case (true, false):
            try c.require(
                !c.contains(.inputClients), .inputClients,
                "only with input.bind: true (csilocd is the CURVE server); with input.bind: false give the publisher's key in input_server_key"
            )
            try c.require(
                c.contains(.inputServerKey), .inputServerKey,
                "required with input.bind: false: the public key file of the CSI publisher (the CURVE server)")
            let serverKeyName = try c.decode(String.self, forKey: .inputServerKey)
            try c.require(!serverKeyName.isEmpty, .inputServerKey, "must not be empty")
            let path = resolve(serverKeyName, base)
            do {
                input = .client(serverKey: try CurveCertificateFile.readPublicKey(at: path))
            } catch {
                throw DecodingError.dataCorruptedError(
                    forKey: .inputServerKey, in: c, debugDescription: error.description)
            }
        }
    }

    /// Reads a non-empty list of public key files; an error is located at the list entry.
    private static func readClients(
        _ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, base: String
    ) throws -> Set<CurveKey> {
        let paths = try c.decode([String].self, forKey: key)
        try c.require(!paths.isEmpty, key, "must list at least one public key file")
        try c.require(paths.count <= maxClients, key, "at most \(maxClients) keys")
        var keys: [CurveKey: Int] = [:]
        for (index, raw) in paths.enumerated() {
            func fail(_ message: String) -> DecodingError {
                .dataCorrupted(
                    .init(codingPath: c.codingPath + [key, AnyCodingKey(intValue: index)!], debugDescription: message))
            }
            guard !raw.isEmpty else { throw fail("must not be empty") }
            let path = resolve(raw, base)
            let clientKey: CurveKey
            do {
                clientKey = try CurveCertificateFile.readPublicKey(at: path)
            } catch {
                throw fail(error.description)
            }
            if let first = keys[clientKey] { throw fail("\(path): the same public key as entry [\(first)]") }
            keys[clientKey] = index
        }
        return Set(keys.keys)
    }

    // MARK: - Derived settings

    /// The SUB socket's security for this role.
    var inputSocketSecurity: SocketSecurity {
        switch input {
        case .plaintext: .plaintext
        case .server: .curveServer(keyPair: keyPair, zapDomain: Self.inputDomain)
        case .client(let serverKey): .curveClient(keyPair: keyPair, serverKey: serverKey)
        }
    }

    /// The PUB socket's security.
    var outputSocketSecurity: SocketSecurity {
        switch output {
        case .plaintext: .plaintext
        case .server: .curveServer(keyPair: keyPair, zapDomain: Self.outputDomain)
        }
    }

    /// The ZAP allow-lists of the server roles (empty: no socket is a CURVE server, no handler needed).
    var allowLists: [String: Set<CurveKey>] {
        var lists: [String: Set<CurveKey>] = [:]
        if case .server(let clients) = input { lists[Self.inputDomain] = clients }
        if case .server(let clients) = output { lists[Self.outputDomain] = clients }
        return lists
    }

    /// These settings with the allow-lists emptied: what a reload cannot change.
    var withoutAllowLists: CurveSettings {
        var copy = self
        if case .server = input { copy.input = .server(clients: []) }
        if case .server = output { copy.output = .server(clients: []) }
        return copy
    }

    /// One line for `--check` and the start log: each socket's role.
    var summary: String {
        let inputText =
            switch input {
            case .plaintext: "plaintext"
            case .server(let clients): "server, \(clients.count) allowed publisher\(clients.count == 1 ? "" : "s")"
            case .client(let serverKey): "client of \(serverKey.z85)"
            }
        let outputText =
            switch output {
            case .plaintext: "plaintext"
            case .server(let clients): "server, \(clients.count) allowed consumer\(clients.count == 1 ? "" : "s")"
            }
        return "public key \(keyPair.publicKey.z85); input: \(inputText); output: \(outputText)"
    }
}

/// `path` resolved against `base` when relative (systemd starts services in `/`).
private func resolve(_ path: String, _ base: String) -> String {
    guard !path.hasPrefix("/"), !base.isEmpty else { return path }
    return base.hasSuffix("/") ? base + path : base + "/" + path
}
