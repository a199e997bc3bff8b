import CFuzzDriver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared by the harnesses: splitting one fuzz input into message parts, and writing seed corpora.
public enum FuzzInput {
    /// Separates the parts of a multipart (ZeroMQ) message inside one fuzz input. Listed in the targets'
    /// dictionaries (Fuzz/dict/) so that libFuzzer inserts it whole and grows or shrinks the part count.
    public static let partSeparator: [UInt8] = Array("\n~part~\n".utf8)

    /// The input's bytes.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The input cut at every ``partSeparator`` (an input without one is a single part).
    public static func parts(_ bytes: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0
        var i = 0
        let sep = partSeparator
        while i + sep.count <= bytes.count {
            if bytes[i] == sep[0], bytes[i..<(i + sep.count)].elementsEqual(sep) {
                parts.append(Array(bytes[start..<i]))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }

    /// The inverse of ``parts(_:)``, for writing seeds.
    public static func join(_ parts: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, part) in parts.enumerated() {
            if i > 0 { out += partSeparator }
            out += part
        }
        return out
    }

    /// Stops the run with a message: a broken invariant the fuzzer must report as a crash (input saved).
    public static func fail(_ message: String) -> Never {
        printError("fuzz invariant broken: \(message)\n")
        abort()
    }
}

/// `CSILOC_FUZZ_WRITE_SEEDS=DIR` makes a harness write its seed corpus into DIR and exit instead of fuzzing
/// (tools/fuzz.sh TARGET --write-seeds). Called from each harness's `LLVMFuzzerInitialize`.
public enum SeedWriter {
    public static func writeIfAsked(_ make: () throws -> [(name: String, bytes: [UInt8])]) {
        guard let dir = getenv("CSILOC_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }), !dir.isEmpty else { return }
        do {
            for seed in try make() {
                let path = dir + "/" + seed.name
                guard let f = fopen(path, "wb") else { printError("cannot write \(path)\n"); exit(1) }
                _ = seed.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
                fclose(f)
                print("wrote \(path) (\(seed.bytes.count) bytes)")
            }
        } catch {
            printError("seed generation failed: \(error)\n")
            exit(1)
        }
        exit(0)
    }

    /// A scratch file path for writers that only write files (CaptureWriter, NPZWriter, ModelFile.write).
    public static func scratchPath(_ name: String) -> String {
        "/tmp/csiloc-fuzz-seed-\(getpid())-\(name)"
    }

    /// Reads and removes a scratch file.
    public static func take(_ path: String) -> [UInt8] {
        defer { unlink(path) }
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }
}

/// A harness's entry: one input in, 0 out (libFuzzer's `LLVMFuzzerTestOneInput`).
public typealias FuzzTestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

public enum FuzzMain {
    /// Writes the seeds when asked (``SeedWriter``), else runs libFuzzer's driver with the command line.
    public static func run(
        _ test: FuzzTestOneInput,
        seeds: () throws -> [(name: String, bytes: [UInt8])] = { [] }
    ) -> Never {
        SeedWriter.writeIfAsked(seeds)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, test))
    }
}

/// Writes `message` to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
public func printError(_ message: String) {
    var text = message
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
