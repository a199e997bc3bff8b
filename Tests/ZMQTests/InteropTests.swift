import Foundation
import Testing
import ZMQ

/// True when `python3 -c 'import zmq'` succeeds; checked on a plain thread.
@Sendable func pyzmqAvailable() async -> Bool {
    (try? await onThread { () -> Bool in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import zmq"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }) ?? false
}

private let publisherScript = #"""
    import select, struct, sys, time, zmq
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 5000)
    pub.connect(sys.argv[1])
    deadline = time.time() + 5
    while True:
        if time.time() > deadline:
            sys.exit(3)
        pub.send_multipart([b"probe"])
        readable, _, _ = select.select([sys.stdin], [], [], 0.01)
        if readable:
            sys.stdin.readline()
            break
    for i in range(int(sys.argv[2])):
        pub.send_multipart([b"py", struct.pack("<Q", i), bytes((i * 7 + j) % 256 for j in range(i * 20))])
    pub.close()
    ctx.term()
    """#

@Suite("Interop")
struct InteropTests {
    @Test(
        "pyzmq publisher -> Swift subscriber, 3-part messages byte-identical",
        .enabled("needs python3 with pyzmq", pyzmqAvailable))
    func pythonPublisher() async throws {
        try await onThread {
            let count = 50
            let context = try Context()
            let collector = Collector()
            let subscriber = try collector.makeSubscriber(
                context, .init(endpoints: [.bind("tcp://127.0.0.1:*")]))
            defer {
                context.shutdown()
                subscriber.join()
                context.terminate()
            }
            let endpoint = try #require(subscriber.lastEndpoint)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", publisherScript, endpoint, String(count)]
            let stdin = Pipe()
            let stderr = Pipe()
            process.standardInput = stdin
            process.standardError = stderr
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            let subscribed = waitUntil(timeout: .seconds(5)) { collector.probeCount > 0 }
            try #require(subscribed, "no probe from python")
            stdin.fileHandleForWriting.write(Data("go\n".utf8))
            #expect(waitUntil(timeout: .seconds(5)) { collector.count >= count })

            #expect(waitUntil(timeout: .seconds(5)) { !process.isRunning })
            if !process.isRunning {
                let errorText = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(process.terminationStatus == 0, "python failed: \(errorText)")
            }
            let received = collector.snapshot
            try #require(received.count == count)
            for (i, parts) in received.enumerated() {
                let payload = (0..<(i * 20)).map { UInt8((i * 7 + $0) % 256) }
                #expect(parts == [Array("py".utf8), uint64Bytes(UInt64(i)), payload])
            }
        }
    }
}
