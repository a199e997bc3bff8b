#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failures of capture-file I/O and of records that cannot be written. Damage *in* a file being read is
/// never an error: it is reported in ``CaptureReadReport``.
public enum CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `open(2)` failed.
    case open(path: String, errno: Int32)
    /// `read(2)` failed.
    case read(errno: Int32)
    /// `write(2)` failed.
    case write(errno: Int32)
    /// `fsync(2)` failed.
    case sync(errno: Int32)
    /// `close(2)` failed.
    case close(errno: Int32)
    /// The writer was used after ``CaptureWriter/close()``.
    case closed
    /// A record or metadata object exceeds the format's limits (too many parts, too large).
    case invalidRecord(String)

    /// One line naming the failed operation (and path) and the system error (`strerror`, errno).
    public var description: String {
        switch self {
        case .open(let path, let code): "cannot open \(path): \(CaptureError.text(code))"
        case .read(let code): "read failed: \(CaptureError.text(code))"
        case .write(let code): "write failed: \(CaptureError.text(code))"
        case .sync(let code): "fsync failed: \(CaptureError.text(code))"
        case .close(let code): "close failed: \(CaptureError.text(code))"
        case .closed: "capture writer is closed"
        case .invalidRecord(let message): "invalid record: \(message)"
        }
    }

    private static func text(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
