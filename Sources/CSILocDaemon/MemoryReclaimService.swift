import Foundation
import Logging
import ServiceLifecycle

/// Hands memory the allocator keeps after a burst back to the system, so a hostile burst does not stay in the
/// resident set for good.
///
/// libzmq assembles a multipart message whole before the daemon sees it, at ≥ 64 B per part on its I/O thread,
/// and no libzmq option bounds the number of parts. The daemon drops a message of more than
/// `Pipeline.maxParts` parts (`too_many_parts`) and libzmq drops one whose topic was not subscribed, but glibc
/// keeps the freed small blocks in the I/O thread's arena: 3·10⁶ empty parts left +184 MiB resident. Every
/// `interval` this service reads the resident set and, when it grew more than `growthBytes` above the last
/// level it settled at, calls `malloc_trim(0)` on a thread of its own (``MemoryTrimmer/trimAndWait()``: a trim
/// can take a while and must not hold a thread of the concurrency pool) (docs/daemon.md, "Memory ceiling"). A
/// daemon whose memory is flat never trims.
struct MemoryReclaimService: Service {
    var interval: Duration = .seconds(1)
    var growthBytes = 32 << 20
    /// Shared with the pipeline's requested trims, so that two never run at once.
    let trimmer: MemoryTrimmer
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var settled = residentBytes() ?? 0
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                guard let rss = residentBytes() else { continue }
                guard rss > settled + growthBytes else {
                    settled = min(settled, rss)
                    continue
                }
                await trimmer.trimAndWait()
                let after = residentBytes() ?? rss
                if after < rss - growthBytes / 2 {
                    logger.info(
                        "returned freed memory to the system",
                        metadata: [
                            "rss_before_mib": .stringConvertible(rss >> 20),
                            "rss_after_mib": .stringConvertible(after >> 20),
                        ])
                }
                settled = after
            }
        }
    }
}

#if canImport(Glibc)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Returns the allocator's free pages to the system (glibc: `malloc_trim(0)`, every arena — libzmq's I/O thread
/// allocates in its own); elsewhere nothing.
func returnFreedMemory() {
    #if canImport(Glibc)
    _ = glibcMallocTrim(0)
    #endif
}

/// The process's resident set in bytes (`/proc/self/statm`), or `nil` where there is none.
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
