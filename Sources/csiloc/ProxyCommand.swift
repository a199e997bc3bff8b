import ArgumentParser
import CSICapture
import CSILocDaemon
import Foundation
import ZMQ

/// `csiloc proxy`: one endpoint for the fix feeds of several daemons, on libzmq's own forwarder.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Forward the fix feeds of several csilocd to one endpoint (XSUB → XPUB, zmq_proxy).",
        discussion: """
            An XSUB socket connects to every --frontend (the daemons' output endpoints); an XPUB socket binds
            --backend for consumers. Consumers' subscriptions travel upstream, so daemons still filter by topic
            (pos/v1/<receiver>/). A daemon that is down is reconnected to every 100 ms. SIGINT/SIGTERM stop the
            proxy and print its counters. Deployment recipe: docs/daemon.md, "Several receivers".
            CURVE (docs/daemon.md, "Security"): with --frontend-server-key the proxy is a CURVE client of each daemon
            (one key for all, or one per --frontend in order; list the proxy's public key in each daemon's
            curve.output_clients); with --curve-allow it is a CURVE server to its consumers.
            Examples:
              csiloc proxy --frontend tcp://rx1:5556 tcp://rx2:5556 tcp://rx3:5556 --backend tcp://127.0.0.1:5600
              csiloc proxy --frontend tcp://rx1:5556 --frontend tcp://rx2:5556 --backend tcp://*:5600 \\
                  --curve-secret-key proxy.key_secret --frontend-server-key rx1.key --frontend-server-key rx2.key \\
                  --curve-allow analytics.key
            """
    )

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "A daemon's fix feed to connect to (repeat, or list several).", valueName: "endpoint"))
    var frontend: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("Endpoint to bind for consumers, e.g. tcp://127.0.0.1:5600.", valueName: "endpoint"))
    var backend: String

    @Option(
        name: .customLong("curve-secret-key"),
        help: ArgumentHelp(
            "The proxy's CURVE key pair (.key_secret, mode 0600), for either side.", valueName: "file"))
    var secretKey: String?

    @Option(
        name: .customLong("frontend-server-key"),
        help: ArgumentHelp(
            "CURVE towards the daemons: a daemon's public key file; once for all, or once per --frontend in order.",
            valueName: "file"))
    var frontendServerKeys: [String] = []

    @Option(
        name: .customLong("curve-allow"),
        help: ArgumentHelp(
            "CURVE towards consumers: a consumer's public key file allowed to subscribe (repeat).", valueName: "file"))
    var allow: [String] = []

    @Option(name: .long, help: "High-water mark of both sockets, messages (per consumer on the backend).")
    var hwm: Int = 100_000

    @Flag(name: .long, help: "No status line.")
    var quiet = false

    func validate() throws {
        if frontend.isEmpty { throw ValidationError("give at least one --frontend ENDPOINT") }
        for endpoint in frontend + [backend] where !endpoint.contains("://") {
            throw ValidationError("not a ZeroMQ endpoint: '\(endpoint)' (e.g. tcp://host:5556)")
        }
        if !(1...10_000_000).contains(hwm) { throw ValidationError("--hwm must be in 1...10000000") }
        let usesCurve = !frontendServerKeys.isEmpty || !allow.isEmpty
        if usesCurve, secretKey == nil {
            throw ValidationError("--frontend-server-key and --curve-allow need --curve-secret-key")
        }
        if secretKey != nil, !usesCurve {
            throw ValidationError("--curve-secret-key without --frontend-server-key or --curve-allow encrypts nothing")
        }
        if frontendServerKeys.count > 1, frontendServerKeys.count != frontend.count {
            throw ValidationError(
                "give one --frontend-server-key for all frontends or one per --frontend (\(frontend.count)), not \(frontendServerKeys.count)"
            )
        }
    }

    /// The proxy's configuration from the options, key files read.
    func proxyConfiguration() throws -> (configuration: Proxy.Configuration, consumers: Set<CurveKey>) {
        let keyPair = try secretKey.map { try CurveCertificateFile.readKeyPair(at: $0) }
        let serverKeys = try frontendServerKeys.map { try CurveCertificateFile.readPublicKey(at: $0) }
        let frontends = frontend.enumerated().map { index, endpoint in
            guard let keyPair, !serverKeys.isEmpty else { return Proxy.Frontend(endpoint: endpoint) }
            let serverKey = serverKeys.count == 1 ? serverKeys[0] : serverKeys[index]
            return Proxy.Frontend(endpoint: endpoint, security: .curveClient(keyPair: keyPair, serverKey: serverKey))
        }
        var configuration = Proxy.Configuration(frontends: frontends, backend: backend)
        configuration.highWaterMark = Int32(hwm)
        configuration.threadName = "csiloc-proxy"
        var consumers: Set<CurveKey> = []
        if let keyPair, !allow.isEmpty {
            configuration.backendSecurity = .curveServer(keyPair: keyPair, zapDomain: "csiloc-proxy")
            consumers = try CurveOptions.readClients(allow)
        }
        return (configuration, consumers)
    }

    func run() async throws {
        let (configuration, consumers) = try proxyConfiguration()
        if !configuration.backendSecurity.isEncrypted, EndpointExposure(endpoint: backend) == .network {
            printError(
                "proxy: warning: --backend \(backend) is not loopback and has no CURVE: anyone who can reach it can read the fixes"
            )
        }
        TerminationSignals.install()
        let context = try Context()
        let zap = try ZAPHandler.serving(
            configuration.backendSecurity, clients: consumers, context: context, threadName: "csiloc-proxy-zap")
        let proxy: Proxy
        do {
            proxy = try Proxy(context: context, configuration: configuration)
        } catch {
            zap?.stop()
            context.terminate()
            throw error
        }
        let status = StatusLine(quiet: quiet)
        let start = ContinuousClock.now
        var lastStatus = start
        printError(
            "proxy: \(frontend.count) frontend(s)\(frontendServerKeys.isEmpty ? "" : " (CURVE)") → \(proxy.backendEndpoint)\(consumers.isEmpty ? "" : " (CURVE, \(consumers.count) consumer key(s))")"
        )
        while !TerminationSignals.stop.isRequested, proxy.failure == nil {
            try? await Task.sleep(for: .milliseconds(100))
            if ContinuousClock.now - lastStatus >= .seconds(1), let s = try? proxy.statistics() {
                lastStatus = .now
                status.show(
                    "proxy: \(s.backendMessagesOut) messages forwarded (\(StatusLine.bytes(Int64(s.backendBytesOut)))), \(StatusLine.seconds(.now - start))"
                )
            }
        }
        let final = try? proxy.statistics()
        proxy.stop()
        zap?.stop()
        context.terminate()
        status.finish()
        if let failure = proxy.failure { throw failure }
        let forwarded =
            final.map { "\($0.backendMessagesOut) messages (\(StatusLine.bytes(Int64($0.backendBytesOut))))" } ?? "?"
        print("proxy: stopped after \(StatusLine.seconds(.now - start)); forwarded \(forwarded)")
    }
}
