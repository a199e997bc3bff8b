import ArgumentParser

/// The capture file a command writes (`import`, `record`): its path, and whether an existing file is replaced.
struct CaptureOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Capture file to write (*.csicap).")
    var out: String

    @Flag(name: .long, help: "Replace an existing output file.")
    var force = false
}
