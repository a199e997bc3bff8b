import CZMQ

// Socket options. Set them before `bind`/`connect` where libzmq requires
// (high-water marks, ipv6, heartbeats); subscriptions can change any time.
//
// Deliberately not exposed: `ZMQ_CONFLATE`. It keeps only the last *frame*,
// so with multipart messages it silently delivers a single part.
extension Socket {
    // MARK: Lifetime

    /// How long ``close()`` may keep unsent messages around (`ZMQ_LINGER`);
    /// `nil` waits forever (and makes ``Context/terminate()`` wait too).
    /// Sockets start at zero: drop on close.
    public func setLinger(_ linger: Duration?) throws(ZMQError) {
        try setInt(ZMQ_LINGER, milliseconds(linger), "ZMQ_LINGER")
    }

    // MARK: Queues

    /// Outbound queue limit in messages (`ZMQ_SNDHWM`, default 1000, 0 is
    /// unlimited). At the limit PUB drops, PUSH/DEALER block.
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setInt(ZMQ_SNDHWM, messages, "ZMQ_SNDHWM")
    }

    /// Inbound queue limit in messages (`ZMQ_RCVHWM`, default 1000).
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setInt(ZMQ_RCVHWM, messages, "ZMQ_RCVHWM")
    }

    /// Largest inbound message *part* libzmq accepts, in bytes (`ZMQ_MAXMSGSIZE`,
    /// checked per ZMTP frame as soon as its length is read, before allocation);
    /// a peer sending more is disconnected. `nil` means no limit. It does not
    /// bound the number of parts of a multipart message.
    package func setMaxMessageSize(_ bytes: Int64?) throws(ZMQError) {
        var value: Int64 = bytes ?? -1
        try setRaw(ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size, "ZMQ_MAXMSGSIZE")
    }

    // MARK: Timeouts

    /// Makes blocking receives give up with ``ZMQError/isTimeout``
    /// (`ZMQ_RCVTIMEO`); `nil` blocks forever (default).
    package func setReceiveTimeout(_ timeout: Duration?) throws(ZMQError) {
        try setInt(ZMQ_RCVTIMEO, milliseconds(timeout), "ZMQ_RCVTIMEO")
    }

    /// Makes blocking sends give up with ``ZMQError/isTimeout``
    /// (`ZMQ_SNDTIMEO`); `nil` blocks forever (default).
    package func setSendTimeout(_ timeout: Duration?) throws(ZMQError) {
        try setInt(ZMQ_SNDTIMEO, milliseconds(timeout), "ZMQ_SNDTIMEO")
    }

    // MARK: Subscriptions (SUB/XSUB)

    /// Receives messages whose first part starts with `prefix`
    /// (`ZMQ_SUBSCRIBE`). An empty prefix receives everything. A SUB socket
    /// receives nothing until it subscribes.
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_SUBSCRIBE, prefix, "ZMQ_SUBSCRIBE")
    }

    /// UTF-8 convenience for ``subscribe(_:)-([UInt8])``.
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try subscribe(Array(prefix.utf8))
    }

    /// Removes one earlier ``subscribe(_:)`` of exactly this prefix.
    package func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_UNSUBSCRIBE, prefix, "ZMQ_UNSUBSCRIBE")
    }

    /// UTF-8 convenience for ``unsubscribe(_:)-([UInt8])``.
    package func unsubscribe(_ prefix: String) throws(ZMQError) {
        try unsubscribe(Array(prefix.utf8))
    }

    // MARK: Connection management

    /// Delay between reconnection attempts (`ZMQ_RECONNECT_IVL`, default
    /// 100 ms). Also pins `ZMQ_RECONNECT_IVL_MAX` to 0 (no exponential
    /// backoff): with backoff a restarted publisher was found to lose
    /// messages for long stretches.
    public func setReconnectInterval(_ interval: Duration) throws(ZMQError) {
        try setInt(ZMQ_RECONNECT_IVL, milliseconds(interval), "ZMQ_RECONNECT_IVL")
        try setInt(ZMQ_RECONNECT_IVL_MAX, 0, "ZMQ_RECONNECT_IVL_MAX")
    }

    /// ZMTP heartbeats (`ZMQ_HEARTBEAT_IVL`/`ZMQ_HEARTBEAT_TIMEOUT`): detect
    /// a dead peer (e.g. a silently dropped TCP connection) within
    /// `interval + timeout` and reconnect. Set before `connect`/`bind`.
    package func setHeartbeat(interval: Duration, timeout: Duration) throws(ZMQError) {
        try setInt(ZMQ_HEARTBEAT_IVL, milliseconds(interval), "ZMQ_HEARTBEAT_IVL")
        try setInt(ZMQ_HEARTBEAT_TIMEOUT, milliseconds(timeout), "ZMQ_HEARTBEAT_TIMEOUT")
    }

    /// Allows IPv6 addresses for TCP (`ZMQ_IPV6`); off by default. Needed to
    /// bind `tcp://[::1]:*` or connect to IPv6 hosts.
    package func setIPv6(_ enabled: Bool) throws(ZMQError) {
        try setInt(ZMQ_IPV6, enabled ? 1 : 0, "ZMQ_IPV6")
    }

    // MARK: Introspection

    /// The endpoint of the latest `bind`/`connect` with wildcards resolved
    /// (`ZMQ_LAST_ENDPOINT`): bind `tcp://127.0.0.1:*`, then read the port here.
    public var lastEndpoint: String {
        get throws(ZMQError) {
            let handle = try liveHandle("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
            var buffer = [UInt8](repeating: 0, count: 1024)
            var size = buffer.count
            _ = try retryingEINTR("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") {
                zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
            }
            // `size` includes the terminating NUL.
            return String(decoding: buffer.prefix(min(size, buffer.count)).prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    // MARK: Helpers

    private func milliseconds(_ duration: Duration?) -> Int32 {
        guard let duration else { return -1 }
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(ms, 0))
    }

    private func setInt(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var value = value
        try setRaw(option, &value, MemoryLayout<Int32>.size, name)
    }

    private func setBytes(_ option: Int32, _ bytes: [UInt8], _ name: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_setsockopt(\(name))")
        _ = try retryingEINTR("zmq_setsockopt(\(name))") {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        }
    }

    private func setRaw(
        _ option: Int32, _ value: UnsafeRawPointer, _ size: Int, _ name: String
    ) throws(ZMQError) {
        let handle = try liveHandle("zmq_setsockopt(\(name))")
        _ = try retryingEINTR("zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, option, value, size)
        }
    }
}
