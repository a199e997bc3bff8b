#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread in the kernel (`/proc/<pid>/task/<tid>/comm`, `top -H`, `ps -L`), which
/// `Foundation.Thread.name` does not do on Linux. Writes `/proc/thread-self/comm` (glibc's
/// `pthread_setname_np` is not visible to Swift without `_GNU_SOURCE`). At most 15 bytes; best effort.
func nameCurrentThread(_ name: String) {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    #endif
}
