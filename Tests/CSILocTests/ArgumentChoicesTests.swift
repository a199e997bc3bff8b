import ArgumentParser
import CSICapture
import CSIChannel
import CSIEvaluation
import CSIModel
import CSISearch
import Testing

@testable import csiloc

/// Enumerated options parse into the libraries' enums; an unknown value fails while parsing, naming the option and
/// listing every accepted value.
@Suite struct ArgumentChoicesTests {
    /// The message ArgumentParser prints for `arguments`, which must fail to parse.
    static func failure<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) -> String {
        do {
            _ = try command.parse(arguments)
            Issue.record("\(arguments) parsed")
            return ""
        } catch {
            return command.message(for: error)
        }
    }

    /// Checks that `message` rejects `value` for `option` and lists each of `choices`.
    static func expectRejected(_ message: String, value: String, option: String, choices: [String]) {
        #expect(message.contains("The value '\(value)' is invalid for '\(option)"), "\(message)")
        for c in choices {
            #expect(
                message.contains("'\(c)'") || message.contains("- \(c)\n") || message.hasSuffix("- \(c)"),
                "\(c) missing: \(message)")
        }
    }

    @Test func trainChoices() throws {
        let base = ["--data", "train.npz", "--out", "m.csimodel"]
        let t = try Train.parse(base + ["--model", "hybrid", "--preset", "small", "--inr-start", "data"])
        #expect(t.model == .hybrid && t.preset == .small && t.inrStart == .data)
        let d = try Train.parse(base)
        #expect(d.model == .auto && d.preset == .reference && d.inrStart == .fit)
        Self.expectRejected(
            Self.failure(Train.self, base + ["--model", "cnn"]), value: "cnn", option: "--model",
            choices: ["auto", "physics", "inr", "hybrid", "mlp", "rff"])
        Self.expectRejected(
            Self.failure(Train.self, base + ["--preset", "huge"]), value: "huge", option: "--preset",
            choices: ["small", "reference"])
        Self.expectRejected(
            Self.failure(Train.self, base + ["--inr-start", "prefit"]), value: "prefit", option: "--inr-start",
            choices: ["fit", "data"])
        // The wedges' coefficients are off by default and need the scene that describes the edges.
        #expect(try !Train.parse(base + ["--edges", "s.yaml"]).edgeCoefficients)
        #expect(try Train.parse(base + ["--edges", "s.yaml", "--edge-coefficients"]).edgeCoefficients)
        #expect(Self.failure(Train.self, base + ["--edge-coefficients"]).contains("--edge-coefficients needs --edges"))
    }

    @Test func benchINRChoices() throws {
        let b = try BenchINR.parse(["--model", "rff", "--preset", "reference", "--start", "physics"])
        #expect(b.model == .rff && b.preset == .reference && b.start == .physics)
        let d = try BenchINR.parse([])
        #expect(d.model == .mbinr && d.preset == .small && d.start == .prefit)
        Self.expectRejected(
            Self.failure(BenchINR.self, ["--start", "data"]), value: "data", option: "--start",
            choices: ["standard", "prefit", "fit", "physics"])
        Self.expectRejected(
            Self.failure(BenchINR.self, ["--model", "inr"]), value: "inr", option: "--model",
            choices: ["mbinr", "mlp", "rff"])
    }

    @Test func importChoices() throws {
        let i = try Import.parse(["d.npz", "--out", "c.csicap", "--phase-offset", "random", "--format", "ci16"])
        #expect(i.phaseOffset == .random && i.format == .ci16)
        let d = try Import.parse(["d.npz", "--out", "c.csicap"])
        #expect(d.phaseOffset == PhaseOffsetOption.none && d.format == .cf32)
        Self.expectRejected(
            Self.failure(Import.self, ["d.npz", "--out", "c", "--format", "f32"]), value: "f32", option: "--format",
            choices: ["cf32", "ci16"])
        Self.expectRejected(
            Self.failure(Import.self, ["d.npz", "--out", "c", "--phase-offset", "fixed"]), value: "fixed",
            option: "--phase-offset",
            choices: ["none", "random"])
    }

    @Test func methodChoices() throws {
        let every = SearchMethod.allCases.map(\.rawValue)
        // One SearchMethod for the daemon benchmark, evaluate and (with 3nn) localize; `default` is `robust` everywhere.
        #expect(try BenchDaemon.parse(["--method", "default"]).sent.method == .robust)
        #expect(try BenchDaemon.parse(["--method", "offgrid-pi"]).sent.method == .offgridPI)
        Self.expectRejected(
            Self.failure(BenchDaemon.self, ["--method", "3nn"]), value: "3nn", option: "--method",
            choices: every + ["default"])
        let e = try Evaluate.parse([
            "--capture", "c.csicap", "--oracle-scene", "s.yaml", "--method", "ongrid-ps", "--method", "default",
        ])
        #expect(e.method == [.ongridPS, .robust])
        Self.expectRejected(
            Self.failure(Evaluate.self, ["--capture", "c", "--oracle-scene", "s", "--method", "3nn"]), value: "3nn",
            option: "--method", choices: every + ["default"])
        let l = try Localize.parse([
            "--data", "t.npz", "--oracle-scene", "s.yaml", "--method", "3nn", "--method", "robust", "--fingerprints",
            "f.npz",
        ])
        #expect(l.method == [.nearestNeighbours, .search(.robust)])
        Self.expectRejected(
            Self.failure(Localize.self, ["--data", "t", "--oracle-scene", "s", "--method", "knn"]), value: "knn",
            option: "--method", choices: every + ["default", "3nn"])
        // The comma-separated list of bench localize: every name checked, the default spelled as documented.
        let b = try BenchLocalize.parse(["--oracle-scene", "s.yaml", "--methods", "robust, 3nn,default"])
        #expect(b.methods.methods == [.search(.robust), .nearestNeighbours, .search(.robust)])
        #expect(
            try BenchLocalize.parse(["--oracle-scene", "s.yaml"]).methods.methods == [
                .search(.robust), .search(.offgridPI), .nearestNeighbours,
            ])
        for bad in ["robust,bogus", "", "robust,,3nn"] {
            Self.expectRejected(
                Self.failure(BenchLocalize.self, ["--oracle-scene", "s", "--methods", bad]), value: bad,
                option: "--methods",
                choices: every + ["default", "3nn"])
        }
    }

    @Test func replaySpeed() throws {
        #expect(try Replay.parse(["c.csicap", "--to", "tcp://*:5556"]).speed == .realTime)
        #expect(try Replay.parse(["c.csicap", "--to", "tcp://*:5556", "--speed", "10x"]).speed == .factor(10))
        #expect(try Replay.parse(["c.csicap", "--to", "tcp://*:5556", "--speed", "max"]).speed == .maximum)
        for bad in ["0", "-2", "fast", "nan"] {
            let message = Self.failure(Replay.self, ["c.csicap", "--to", "tcp://*:5556", "--speed=\(bad)"])
            #expect(message.contains("The value '\(bad)' is invalid for '--speed"), "\(message)")
        }
    }
}
