import ArgumentParser

/// `csiloc bench`: benchmarks that produce the figures quoted in notes and docs.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accuracy and speed benchmarks.",
        subcommands: [
            BenchSimulate.self, BenchModel.self, BenchINR.self, BenchLocalize.self, BenchDaemon.self, BenchSoak.self,
            BenchProxy.self,
        ]
    )
}
