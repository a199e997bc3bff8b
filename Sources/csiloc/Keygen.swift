import ArgumentParser
import ZMQ

/// `csiloc keygen`: a CURVE key pair as ZeroMQ certificate files.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a CurveZMQ key pair: PREFIX.key (public) and PREFIX.key_secret (secret, mode 0600).",
        discussion: """
            The files are ZeroMQ certificates (the format of CZMQ's zcert and pyzmq's zmq.auth), read by csilocd's
            curve: section, csiloc record/replay/proxy (--curve-*) and tools/csi_publisher.py. Hand out the .key
            file; keep the .key_secret file private (csilocd refuses one that group or other can read).
            Example:
              csiloc keygen --out /etc/csilocd/keys/csilocd
            """
    )

    @Option(name: .long, help: ArgumentHelp("Path prefix of the two files.", valueName: "prefix"))
    var out: String

    @Flag(name: .long, help: "Replace existing files.")
    var force = false

    func validate() throws {
        if out.isEmpty || out.hasSuffix("/") {
            throw ValidationError("--out must name a file prefix, e.g. keys/csilocd")
        }
    }

    func run() throws {
        guard CurveKeyPair.isAvailable else {
            throw ValidationError("this libzmq has no CURVE support (zmq_has(\"curve\") is false)")
        }
        let pair = try CurveKeyPair.generate()
        let (publicPath, secretPath) = try CurveCertificateFile.write(pair, prefix: out, overwrite: force)
        print("keygen: \(publicPath) (public: give it to peers), \(secretPath) (secret, mode 0600)")
        print("public key: \(pair.publicKey.z85)")
    }
}
