import ArgumentParser
import CSINumerics

/// `--threads`: the worker threads of a command's parallel work.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    /// The threads to use: `--threads`, else all cores.
    var width: Int { threads ?? Parallel.defaultWidth }
}
