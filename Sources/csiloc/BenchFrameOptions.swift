import ArgumentParser
import CSISearch

/// The frames a daemon benchmark sends (`bench daemon`, `bench proxy`): the distinct simulated positions they
/// cycle over, and the search method that localizes them.
struct BenchFrameOptions: ParsableArguments {
    @Option(name: .long, help: "Distinct simulated positions, cycled.")
    var distinct: Int = 1000

    @Option(name: .long, help: "Search method.")
    var method: SearchMethod = .robust
}
