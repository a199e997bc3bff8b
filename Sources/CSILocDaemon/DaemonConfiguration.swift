import Foundation
import StrictYAML

/// Everything `csilocd` reads from its YAML file (`etc/csilocd.yaml` lists every key with its default).
///
/// Decoding is strict: an unknown key, a wrong type or an out-of-range value is an error naming the file,
/// line, column and dotted key (`YAMLFileError`), because a misspelt key is a setting that silently does
/// nothing for weeks. Every key but `model` has a default, kept in one place: the `init(from:)` of its section.
public struct DaemonConfiguration: Sendable, Equatable, Decodable {
    /// The CSI feed (ZeroMQ SUB).
    public var input: InputSettings
    /// The position feed (ZeroMQ PUB).
    public var output: OutputSettings
    /// The channel model served (a model file, or the exact simulator of a scene for tests and demos).
    public var model: ModelSettings
    /// Search method and overrides of `LocalizerConfiguration` fields.
    public var search: SearchSettings
    /// Localizer threads; 0 = one per online core.
    public var workers: Int
    /// Bounds of the per-UE latest-wins queue.
    public var queue: QueueSettings
    /// Prometheus `/metrics` and `/healthz` endpoint.
    public var metrics: MetricsSettings
    /// Log level and line format.
    public var log: LogSettings
    /// When the systemd watchdog stops being fed.
    var watchdog: WatchdogSettings
    /// Per-(receiver, UE) tracking of the fixes (off by default).
    var tracking: TrackingSettings
    /// CurveZMQ on the sockets; `nil` (no `curve:` section): plaintext.
    public var curve: CurveSettings?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, output, model, search, workers, queue, metrics, log, watchdog, tracking, curve
    }

    /// Decodes the whole configuration, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        input = try c.value(.input, default: InputSettings.defaults)
        output = try c.value(.output, default: OutputSettings.defaults)
        model = try c.decode(ModelSettings.self, forKey: .model)
        search = try c.value(.search, default: SearchSettings.defaults)
        workers = try c.value(.workers, default: 0)
        try c.require((0...256).contains(workers), .workers, "must be in 0...256 (0 = one per core), got \(workers)")
        queue = try c.value(.queue, default: QueueSettings.defaults)
        metrics = try c.value(.metrics, default: MetricsSettings.defaults)
        log = try c.value(.log, default: LogSettings.defaults)
        watchdog = try c.value(.watchdog, default: WatchdogSettings.defaults)
        tracking = try c.value(.tracking, default: TrackingSettings.defaults)
        curve =
            c.contains(.curve) ? try CurveSettings(from: c.superDecoder(forKey: .curve), inputBinds: input.bind) : nil
    }

    /// Every key at its default and the model as given: the value to start a daemon from in code
    /// (`Daemon(configuration:logger:)`); change fields before use. The decoder's range checks do not apply
    /// to fields set this way.
    public init(model: ModelSettings) {
        input = InputSettings.defaults
        output = OutputSettings.defaults
        self.model = model
        search = SearchSettings.defaults
        workers = 0
        queue = QueueSettings.defaults
        metrics = MetricsSettings.defaults
        log = LogSettings.defaults
        watchdog = WatchdogSettings.defaults
        tracking = TrackingSettings.defaults
        curve = nil
    }

    /// The number of worker threads this configuration asks for, with `0` resolved to the online cores.
    public var resolvedWorkers: Int {
        workers > 0 ? workers : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Parses YAML text; relative model/scene/key paths are resolved against `baseDirectory` (default: the
    /// directory of `file`). Key files under `curve:` are read here.
    public static func parse(yaml: String, file: String, baseDirectory: String? = nil) throws -> DaemonConfiguration {
        // (NSString.deletingLastPathComponent traps on some inputs in swift-corelibs-foundation; this is plain.)
        let base = baseDirectory ?? file.lastIndex(of: "/").map { String(file[..<$0]) } ?? ""
        var config = try StrictYAML.decode(
            DaemonConfiguration.self, from: yaml, file: file,
            userInfo: [CurveSettings.baseDirectoryKey: base])
        config.model.resolvePaths(relativeTo: base)
        return config
    }

    /// Reads and parses a configuration file.
    public static func load(contentsOf path: String) throws -> DaemonConfiguration {
        try parse(yaml: try StrictYAML.readFile(path), file: path)
    }
}

/// Validation shared by the sections: a ZeroMQ endpoint is `transport://address` with a known transport.
/// YAML turns `endpoint: ~` into the string "~" and `endpoint: 5555` into "5555", so the check matters.
func isValidEndpoint(_ endpoint: String) -> Bool {
    let transports = ["tcp://", "ipc://", "inproc://", "pgm://", "epgm://"]
    guard let t = transports.first(where: { endpoint.hasPrefix($0) }) else { return false }
    return endpoint.count > t.count && !endpoint.contains(where: { $0.isWhitespace })
}

/// `input:` — where CSI frames come from.
public struct InputSettings: Sendable, Equatable, Decodable {
    /// ZeroMQ endpoint, e.g. `tcp://127.0.0.1:5555` or `ipc:///run/csilocd/csi.ipc`.
    public var endpoint: String
    /// Bind (publishers connect to us) instead of connecting to a bound publisher (the usual topology).
    public var bind: Bool
    /// Subscription prefixes; `csi/v1/` takes every receiver, `csi/v1/3/` only receiver 3.
    public var topics: [String]
    /// `ZMQ_RCVHWM`, messages; beyond it the publisher drops (visible as sequence gaps).
    public var receiveHighWaterMark: Int
    /// Messages above this many bytes (all parts) are discarded and counted as `oversized`; a single part above
    /// it is refused by libzmq before it is read (`ZMQ_MAXMSGSIZE`, the connection drops).
    public var maxMessageBytes: Int
    /// Largest accepted `n_ant · n_sc`.
    var maxElements: Int
    /// Reject frames whose header carries no CRC (`crc32c == 0`).
    var requireCRC: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case endpoint, bind, topics
        case receiveHighWaterMark = "receive_hwm", maxMessageBytes = "max_message_bytes"
        case maxElements = "max_elements", requireCRC = "require_crc"
    }

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: InputSettings = try! StrictYAML.decode(InputSettings.self, from: "{}", file: "<defaults>")

    /// Decodes `input`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try c.value(.endpoint, default: "tcp://127.0.0.1:5555")
        try c.require(
            isValidEndpoint(endpoint), .endpoint,
            "not a ZeroMQ endpoint: '\(endpoint)' (e.g. tcp://127.0.0.1:5555, ipc:///run/csilocd/csi.ipc)")
        bind = try c.value(.bind, default: false)
        topics = try c.value(.topics, default: ["csi/v1/"])
        try c.require(
            topics.allSatisfy { $0.hasPrefix("csi/v1/") || "csi/v1/".hasPrefix($0) }, .topics,
            "every topic must be a prefix of or start with csi/v1/")
        receiveHighWaterMark = try c.value(.receiveHighWaterMark, default: 1000)
        try c.require((1...1_000_000).contains(receiveHighWaterMark), .receiveHighWaterMark, "must be in 1...1000000")
        maxMessageBytes = try c.value(.maxMessageBytes, default: 16 << 20)
        try c.require((1024...(1 << 30)).contains(maxMessageBytes), .maxMessageBytes, "must be in 1024...1073741824")
        maxElements = try c.value(.maxElements, default: 1 << 20)
        try c.require((1...(1 << 26)).contains(maxElements), .maxElements, "must be in 1...67108864")
        requireCRC = try c.value(.requireCRC, default: false)
    }
}

/// `output:` — where fixes go.
public struct OutputSettings: Sendable, Equatable, Decodable {
    /// ZeroMQ endpoint of the position PUB socket.
    public var endpoint: String
    /// Bind (the usual case: consumers connect to the daemon) or connect (to a proxy/forwarder).
    public var bind: Bool
    /// `ZMQ_SNDHWM`, messages per subscriber.
    public var sendHighWaterMark: Int
    /// How long shutdown waits for queued fixes to leave, ms.
    var lingerMs: Int
    /// Add per-stage timings (`stages`) to every fix.
    var includeStages: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case endpoint, bind, sendHighWaterMark = "send_hwm", lingerMs = "linger_ms", includeStages = "include_stages"
    }

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: OutputSettings = try! StrictYAML.decode(OutputSettings.self, from: "{}", file: "<defaults>")

    /// Decodes `output`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try c.value(.endpoint, default: "tcp://127.0.0.1:5556")
        try c.require(isValidEndpoint(endpoint), .endpoint, "not a ZeroMQ endpoint: '\(endpoint)'")
        bind = try c.value(.bind, default: true)
        sendHighWaterMark = try c.value(.sendHighWaterMark, default: 10_000)
        try c.require((1...1_000_000).contains(sendHighWaterMark), .sendHighWaterMark, "must be in 1...1000000")
        lingerMs = try c.value(.lingerMs, default: 2000)
        try c.require((0...60_000).contains(lingerMs), .lingerMs, "must be in 0...60000")
        includeStages = try c.value(.includeStages, default: false)
    }
}

/// `queue:` — the per-UE latest-wins queue between the receive thread and the workers.
public struct QueueSettings: Sendable, Equatable, Decodable {
    /// Frames kept per UE; a newer frame supersedes the oldest kept one. 1 = pure latest-wins.
    public var perUE: Int
    /// UEs with pending frames at once; a frame of a further UE is dropped (`ue_limit`).
    public var maxUEs: Int

    enum CodingKeys: String, CodingKey, CaseIterable { case perUE = "per_ue", maxUEs = "max_ues" }

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: QueueSettings = try! StrictYAML.decode(QueueSettings.self, from: "{}", file: "<defaults>")

    /// Decodes `queue`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        perUE = try c.value(.perUE, default: 1)
        try c.require((1...1024).contains(perUE), .perUE, "must be in 1...1024, got \(perUE)")
        maxUEs = try c.value(.maxUEs, default: 1024)
        try c.require((1...65_536).contains(maxUEs), .maxUEs, "must be in 1...65536, got \(maxUEs)")
    }
}

/// `metrics:` — the Prometheus endpoint.
public struct MetricsSettings: Sendable, Equatable, Decodable {
    /// `host:port` (`127.0.0.1:9464`, `[::1]:9464`), or `off`/empty to disable.
    var listen: String
    /// The parsed address; `nil` when disabled.
    var address: ListenAddress?

    enum CodingKeys: String, CodingKey, CaseIterable { case listen }

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: MetricsSettings = try! StrictYAML.decode(MetricsSettings.self, from: "{}", file: "<defaults>")

    /// No metrics endpoint (`listen: off`).
    public static let disabled: MetricsSettings = try! StrictYAML.decode(
        MetricsSettings.self, from: "{listen: 'off'}", file: "<disabled>")

    /// Decodes `metrics`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // YAML 1.1 reads a bare `off` as the boolean false.
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .listen) {
            try c.require(!flag, .listen, "give host:port, or off")
            listen = "off"
        } else {
            listen = try c.value(.listen, default: "127.0.0.1:9464")
        }
        if listen.isEmpty || listen == "off" {
            address = nil
        } else {
            address = ListenAddress(parsing: listen)
            try c.require(
                address != nil, .listen, "expected host:port with a numeric IPv4 or [IPv6] host, got '\(listen)'")
        }
    }
}

/// `log:` — swift-log settings.
public struct LogSettings: Sendable, Equatable, Decodable {
    /// trace, debug, info, notice, warning, error, critical.
    public var level: String
    /// `logfmt` or `json` (one object per line, for journald/Loki).
    var format: LogLineFormat
    /// At most one log line per rejection reason per this many seconds (the rest are counted, then summarized).
    var rejectionIntervalSeconds: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case level, format, rejectionIntervalSeconds = "rejection_interval_s"
    }

    static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: LogSettings = try! StrictYAML.decode(LogSettings.self, from: "{}", file: "<defaults>")

    /// Decodes `log`, rejecting unknown keys.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        level = try c.value(.level, default: "info")
        try c.require(Self.levels.contains(level), .level, "must be one of \(Self.levels.joined(separator: ", "))")
        let formatName = try c.value(.format, default: "logfmt")
        try c.require(LogLineFormat(rawValue: formatName) != nil, .format, "must be logfmt or json")
        format = LogLineFormat(rawValue: formatName)!
        rejectionIntervalSeconds = try c.value(.rejectionIntervalSeconds, default: 10.0)
        try c.require(
            rejectionIntervalSeconds >= 0 && rejectionIntervalSeconds <= 3600, .rejectionIntervalSeconds,
            "must be in 0...3600")
    }
}

/// `watchdog:` — what "making progress" means for the systemd watchdog.
struct WatchdogSettings: Sendable, Equatable, Decodable {
    /// The pipeline counts as stalled when frames are pending or in flight and none finished for this long.
    /// Keep it above the slowest expected localization.
    var stallSeconds: Double

    enum CodingKeys: String, CodingKey, CaseIterable { case stallSeconds = "stall_s" }

    /// Every key at its default (decoding an empty mapping keeps the defaults in one place).
    static let defaults: WatchdogSettings = try! StrictYAML.decode(
        WatchdogSettings.self, from: "{}", file: "<defaults>")

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stallSeconds = try c.value(.stallSeconds, default: 30.0)
        try c.require(stallSeconds > 0 && stallSeconds <= 86_400, .stallSeconds, "must be in (0, 86400]")
    }
}
