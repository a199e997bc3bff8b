import ArgumentParser

/// `csiloc`: the toolkit around the csilocd daemon — simulate scenes, (later) train models, localize,
/// record and replay captures, evaluate, benchmark.
@main
struct CSILoc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csiloc",
        abstract: "Sub-wavelength localization from channel state information.",
        version: CSILocVersion.string,
        subcommands: [
            Demo.self, Simulate.self, Train.self, Eval.self, Predict.self, Localize.self, Bench.self,
            Record.self, Replay.self, Import.self, Evaluate.self, Keygen.self, ProxyCommand.self, View.self,
        ]
    )
}

enum CSILocVersion {
    static let string = "0.1.0"
}
