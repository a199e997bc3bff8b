import Foundation

/// Server-Sent Events framing (WHATWG HTML, "Server-sent events"): `event:` and `data:` lines, a blank line.
enum ServerSentEvent {
    /// An event named `name` with `data` (which must not contain a newline: compact JSON has none).
    static func event(_ name: String, data: Data) -> Data {
        var out = Data("event: \(name)\ndata: ".utf8)
        out.append(data)
        out.append(contentsOf: Array("\n\n".utf8))
        return out
    }

    /// A comment line, ignored by browsers: keeps an idle stream alive and reveals closed connections.
    static let keepAlive = Data(": keep-alive\n\n".utf8)

    /// Sent first on every stream: reconnect after 2 s when the stream ends.
    static let retry = Data("retry: 2000\n\n".utf8)
}
