import Foundation
import Testing

@testable import CSIView

/// The page in a real browser: Debian's chromium, headless, loads the live map while fixes stream in, and the
/// page reports (in its DOM) that it drew them; a screenshot is taken too. Skipped, with the reason, when no
/// chromium is installed (`apt-get install -y chromium`, or tools/setup.sh; `CHROMIUM=/path` picks another).
@Suite(
    .serialized,
    .enabled(
        if: HeadlessBrowser.path != nil,
        "chromium not installed: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"))
struct HeadlessBrowserTests {
    @Test func thePageReceivesAndDrawsFixes() async throws {
        try await ViewerFixture.with(area: try MapArea(parsing: "-5:5,0:3")) { f in
            let publishing = Task { try await f.publish(until: { Task.isCancelled }, timeout: .seconds(120)) }
            defer { publishing.cancel() }
            // fixes flow before the browser starts, so the first snapshot already has some
            let deadline = ContinuousClock.now + .seconds(60)
            while f.viewer.state.snapshot().counters.fixes < 5, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(f.viewer.state.snapshot().counters.fixes >= 5, "no fixes reached the viewer")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "csiview-\(UUID().uuidString)"
            ).path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }

            let dom = try await HeadlessBrowser.run(
                ["--dump-dom", f.viewer.url + "?limit=4"], profile: directory + "/profile-dom")
            let drawn = try #require(
                HeadlessBrowser.attribute("data-drawn", in: dom), "no data-drawn in the DOM:\n\(dom.prefix(2000))")
            #expect(drawn >= 1)
            #expect(try #require(HeadlessBrowser.attribute("data-fixes", in: dom)) >= 5)
            #expect(dom.contains(#"<tr class="ue" data-receiver="1" data-ue="7">"#))
            #expect(dom.contains(#"id="conn" class="up""#)) // the EventSource is open

            let png = directory + "/map.png"
            _ = try await HeadlessBrowser.run(
                ["--screenshot=\(png)", "--window-size=1000,640", f.viewer.url + "?limit=4"],
                profile: directory + "/profile-png")
            let bytes = try #require(FileManager.default.contents(atPath: png))
            #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(bytes.count > 5_000)
        }
    }
}

/// Runs chromium headless.
enum HeadlessBrowser {
    /// `$CHROMIUM`, else the first of Debian's names that exists.
    static let path: String? = {
        if let p = ProcessInfo.processInfo.environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// Runs chromium with `arguments` after the headless ones (up to 5 s of page time once the network is idle,
    /// then the action: the page's `?limit=N` ends its event stream so that the network goes idle);
    /// kills it after `timeout`. Returns its standard output.
    static func run(_ arguments: [String], profile: String, timeout: Duration = .seconds(90)) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "chromium")
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile)", "--virtual-time-budget=5000", "--hide-scrollbars",
            ] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let killer = Task {
            try await Task.sleep(for: timeout); process.terminate()
        }
        let data = try await onThread {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        killer.cancel()
        return String(decoding: data, as: UTF8.self)
    }

    /// The integer value of `name="…"` on the body.
    static func attribute(_ name: String, in dom: String) -> Int? {
        guard let r = dom.range(of: name + "=\"") else { return nil }
        return Int(dom[r.upperBound...].prefix { $0 != "\"" })
    }
}
