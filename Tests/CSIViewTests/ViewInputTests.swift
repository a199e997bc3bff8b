import Foundation
import Testing

@testable import CSIView

/// Command-line inputs of the viewer: listen addresses (loopback only by default), regions, metrics URLs, limits.
@Suite struct ViewInputTests {
    @Test func loopbackAddressesAreAccepted() throws {
        #expect(try ViewListenAddress(parsing: "127.0.0.1:8090") == ViewListenAddress(parsing: "localhost:8090"))
        let v6 = try ViewListenAddress(parsing: "[::1]:0")
        #expect(v6.host == "::1" && v6.port == 0 && v6.authority(port: 81) == "[::1]:81")
        #expect(try ViewListenAddress(parsing: "127.4.5.6:1").host == "127.4.5.6")
    }

    @Test(arguments: ["0.0.0.0:8090", "192.168.1.4:80", "[::]:8090", "[2001:db8::1]:1"])
    func nonLoopbackIsRefusedUnlessAllowed(_ text: String) throws {
        #expect(throws: ViewError.self) { try ViewListenAddress(parsing: text) }
        #expect(try ViewListenAddress(parsing: text, allowNonLoopback: true).port > 0)
    }

    @Test(arguments: [
        "8090", "127.0.0.1", "127.0.0.1:65536", "127.0.0.1:-1", "example.com:80", "[::1]8090", "::1:80", "127.0.0.1:8o",
    ])
    func malformedAddressesAreRefused(_ text: String) {
        #expect(throws: ViewError.self) { try ViewListenAddress(parsing: text) }
    }

    @Test func regions() throws {
        let a = try MapArea(parsing: "-5:5, 0:12.5")
        #expect(a.x == [-5, 5] && a.y == [0, 12.5] && a.source == "region")
        for bad in ["1:0,0:1", "0:1", "0:1,0:nan", "0:inf,0:1", "0:1e7,0:1", "a:b,c:d", "0:1,0:1,0:1"] {
            #expect(throws: ViewError.self, "\(bad)") { try MapArea(parsing: bad) }
        }
    }

    @Test func metricsURLs() throws {
        let m = try MetricsScraper(url: "http://localhost:9464/metrics")
        #expect(m.host == "127.0.0.1" && m.port == 9464 && m.path == "/metrics")
        #expect(try MetricsScraper(url: "http://[::1]:9/").host == "::1")
        for bad in [
            "https://127.0.0.1:1/metrics", "http://127.0.0.1/metrics", "http://daemon.example:9464/metrics",
            "127.0.0.1:9464",
        ] {
            #expect(throws: ViewError.self, "\(bad)") { try MetricsScraper(url: bad) }
        }
    }

    @Test func prometheusTextParsing() {
        let text = """
            # HELP csilocd_frames_total frames
            # TYPE csilocd_frames_total counter
            csilocd_frames_total{outcome="localized"} 1234
            csilocd_frames_rejected_total{reason="bad crc"} 5 1700000000000
            csilocd_queue_depth 3.5
            csilocd_stage_seconds_bucket{stage="search",le="0.1"} 9
            csilocd_stage_seconds_sum{stage="search"} 1.5
            csilocd_stage_seconds_count{stage="search"} 12
            csilocd_workers NaN
            other_metric 1
            csilocd_broken
            """
        #expect(
            MetricsScraper.parse(text, prefix: "csilocd_") == [
                #"csilocd_frames_total{outcome="localized"}"#: 1234,
                #"csilocd_frames_rejected_total{reason="bad crc"}"#: 5, "csilocd_queue_depth": 3.5,
            ])
    }

    @Test func limitsAreValidated() {
        var l = ViewLimits()
        #expect(throws: Never.self) { try l.validate() }
        l.maxClients = 0
        #expect(throws: ViewError.self) { try l.validate() }
        l = ViewLimits()
        l.updateInterval = .nan
        #expect(throws: ViewError.self) { try l.validate() }
    }
}
