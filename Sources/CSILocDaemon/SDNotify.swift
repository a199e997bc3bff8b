#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The systemd notification protocol (`sd_notify(3)`), hand-written: one datagram to `$NOTIFY_SOCKET`.
///
/// No libsystemd: it would add a link-time dependency (and its install upgrades systemd itself), and the
/// protocol is a single `sendto`. Off systemd (`NOTIFY_SOCKET` unset) every call is a no-op returning `false`.
/// Abstract-namespace sockets (`@name`) are supported.
enum SDNotify {
    /// Sends `state` (e.g. `"READY=1\nSTATUS=serving"`); returns whether a datagram was sent.
    @discardableResult
    static func send(_ state: String) -> Bool {
        guard let raw = getenv("NOTIFY_SOCKET") else { return false }
        let path = String(cString: raw)
        guard path.hasPrefix("/") || path.hasPrefix("@") else { return false }
        #if os(Linux)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let sent = state.utf8CString.withUnsafeBufferPointer { message in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, message.baseAddress, message.count - 1, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        return sent >= 0
    }

    /// `READY=1` with a status line; also after a reload (ends `RELOADING=1`).
    @discardableResult
    static func ready(status: String) -> Bool { send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())") }

    /// `RELOADING=1` with `MONOTONIC_USEC` (required by `Type=notify-reload`; without it reloads can hang).
    @discardableResult
    static func reloading() -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        return send("RELOADING=1\nSTATUS=reloading configuration and model\nMONOTONIC_USEC=\(usec)")
    }

    /// `STOPPING=1`.
    @discardableResult
    static func stopping() -> Bool { send("STOPPING=1\nSTATUS=draining in-flight frames") }

    /// `WATCHDOG=1`.
    @discardableResult
    static func watchdog() -> Bool { send("WATCHDOG=1") }

    /// Half of `WatchdogSec=` (from `WATCHDOG_USEC`), when the watchdog is enabled for this process.
    static var watchdogInterval: Duration? {
        guard let raw = getenv("WATCHDOG_USEC"), let usec = UInt64(String(cString: raw)), usec > 0 else { return nil }
        if let rawPID = getenv("WATCHDOG_PID"), let pid = Int32(String(cString: rawPID)), pid != getpid() { return nil }
        return .microseconds(Int64(usec / 2))
    }
}
