import ArgumentParser
import Foundation

/// The daemon a daemon benchmark (`bench daemon`, `bench soak`) runs in-process: the scene whose exact simulator
/// it serves, and its workers.
struct InProcessDaemonOptions: ParsableArguments {
    @Option(name: .long, help: "Scene whose exact simulator is served (the daemon's model.oracle_scene).")
    var oracleScene: String = "etc/scenes/tiny-los.yaml"

    @Option(
        name: .long, help: "Daemon workers (bench daemon: also the in-process localizer's threads); default: all cores."
    )
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount
}
