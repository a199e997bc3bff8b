import ArgumentParser
import CSICapture
import CSIChannel
import CSIModel
import CSIView
import Foundation

/// `csiloc view`: the live map in a browser — subscribes to a position feed and serves one page on loopback
/// (``Viewer``; docs/daemon.md, "Live map").
struct View: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Live map in the browser: fixes, ellipses, tracks, errors and counters from a position feed.",
        discussion: """
            Subscribes to --from (a csilocd output endpoint or a csiloc proxy backend) and serves a self-contained
            page on --listen (loopback only unless --allow-remote), updated over Server-Sent Events. The map's area
            is the search region of --model, the UE region of --scene, --region, or else the bounds of the fixes.
            Ctrl-C stops. Examples:
              csiloc view --from tcp://127.0.0.1:5557 --model site.csimodel --metrics http://127.0.0.1:9464/metrics
              csiloc view --from ipc://out/demo/pos.ipc --listen 127.0.0.1:8090 --scene etc/scenes/street.yaml
              csiloc view --from tcp://gnb1:5557 --curve-secret-key me.key_secret --curve-server-key csilocd.key
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp("The position feed to subscribe to (ZeroMQ endpoint, connected to).", valueName: "endpoint"))
    var from: String

    @Option(
        name: .long,
        help: ArgumentHelp("Where to serve the page: HOST:PORT (port 0: any free port).", valueName: "address"))
    var listen = "127.0.0.1:8090"

    @Flag(
        name: .long,
        help: "Accept a non-loopback --listen address and any Host header (the page shows where people are).")
    var allowRemote = false

    @Option(name: .long, help: ArgumentHelp("Model file whose search region is the map's area.", valueName: "file"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Scene YAML whose UE region is the map's area.", valueName: "file"))
    var scene: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The map's area, metres: x0:x1,y0:y1 (write --region=-5:5,0:12 when x0 < 0).", valueName: "region"))
    var region: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's metrics URL, e.g. http://127.0.0.1:9464/metrics (else: counts seen by the viewer).",
            valueName: "url"))
    var metrics: String?

    @Option(
        name: .long, parsing: .singleValue,
        help: ArgumentHelp("Subscription prefix (repeat; default pos/v1/).", valueName: "topic"))
    var topic: [String] = []

    @Option(name: .long, help: "UEs on the map at most (the least recently seen is evicted).")
    var maxUes = 256

    @Option(name: .long, help: "Positions kept per UE tail.")
    var tail = 100

    @Option(name: .long, help: "Browsers streaming at once.")
    var maxClients = 8

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        try curve.validate(binding: false)
        if [model, scene, region].compactMap({ $0 }).count > 1 {
            throw ValidationError("give at most one of --model, --scene, --region")
        }
        if !from.contains("://") {
            throw ValidationError("not a ZeroMQ endpoint: '\(from)' (e.g. tcp://127.0.0.1:5557)")
        }
        for t in topic where !t.hasPrefix("pos/v1/") {
            throw ValidationError("--topic '\(t)' must start with pos/v1/ (the position feed)")
        }
        _ = try limits()
        _ = try ViewListenAddress(parsing: listen, allowNonLoopback: allowRemote)
        if let region { _ = try MapArea(parsing: region) }
        if let metrics { _ = try MetricsScraper(url: metrics) }
    }

    func limits() throws -> ViewLimits {
        var limits = ViewLimits()
        limits.maxUEs = maxUes
        limits.tailLength = tail
        limits.maxClients = maxClients
        try limits.validate()
        return limits
    }

    /// The map's area from --model, --scene or --region.
    func area() throws -> MapArea? {
        func from(_ r: Region, _ source: String) throws -> MapArea { try MapArea(source: source, x: r.x, y: r.y) }
        if let model { return try from(try ModelLoader.load(contentsOf: model).searchRegion, "model") }
        if let scene { return try from(try Scene.loadFileOrBuiltin(scene).0.ueRegion, "scene") }
        return try region.map { try MapArea(parsing: $0) }
    }

    func run() async throws {
        var config = Viewer.Configuration(
            endpoint: from, listen: try ViewListenAddress(parsing: listen, allowNonLoopback: allowRemote))
        config.allowAnyHost = allowRemote
        if !topic.isEmpty { config.topics = topic }
        config.area = try area()
        config.limits = try limits()
        config.metrics = try metrics.map { try MetricsScraper(url: $0) }
        config.security = try curve.security(binding: false, zapDomain: "csiloc-view").security
        let viewer = try Viewer(configuration: config)
        try await viewer.start()
        TerminationSignals.install()
        printError("view: \(from) → \(viewer.url)  (Ctrl-C stops)")
        while !TerminationSignals.stop.isRequested { try? await Task.sleep(for: .milliseconds(100)) }
        await viewer.stop()
        let c = viewer.state.snapshot().counters
        print(
            "view: \(c.fixes) fixes (\(c.ok) ok, \(c.suspect) suspect, \(c.outlier) outlier, \(c.failed) failed), \(c.undecodable) not fixes"
        )
    }
}
