import ArgumentParser
import Testing

@testable import csiloc

/// `csiloc view`'s options: loopback only unless --allow-remote, one area source, CURVE as a connecting client.
@Suite struct ViewCommandTests {
    @Test func optionsAreValidated() throws {
        let ok: [[String]] = [
            ["--from", "tcp://127.0.0.1:5557"],
            ["--from", "ipc:///tmp/pos.ipc", "--listen", "[::1]:0", "--region=-5:5,0:12"],
            ["--from", "tcp://h:1", "--listen", "0.0.0.0:8090", "--allow-remote"],
            [
                "--from", "tcp://h:1", "--curve-secret-key", "a", "--curve-server-key", "b", "--metrics",
                "http://127.0.0.1:9464/metrics",
            ],
        ]
        for arguments in ok { _ = try View.parse(arguments) }
        let bad: [[String]] = [
            ["--from", "tcp://h:1", "--listen", "0.0.0.0:8090"], // not loopback
            ["--from", "tcp://h:1", "--listen", "10.0.0.1:80"],
            ["--from", "h:1"], // not an endpoint
            ["--from", "tcp://h:1", "--region", "0:1,0:1", "--scene", "s.yaml"], // two area sources
            ["--from", "tcp://h:1", "--region", "1:0,0:1"],
            ["--from", "tcp://h:1", "--curve-secret-key", "a"], // connecting: needs the server key
            ["--from", "tcp://h:1", "--curve-secret-key", "a", "--curve-server-key", "b", "--curve-allow", "c"],
            ["--from", "tcp://h:1", "--metrics", "http://daemon:9464/metrics"], // no DNS
            ["--from", "tcp://h:1", "--max-ues", "0"],
            ["--from", "tcp://h:1", "--tail", "-1"],
            ["--from", "tcp://h:1", "--max-clients", "100000"],
            ["--from", "tcp://h:1", "--topic", "csi/v1/"],
        ]
        for arguments in bad {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try View.parse(arguments) }
        }
    }
}
