import CZMQ
import Glibc

/// The security mechanism a socket negotiates (`ZMQ_MECHANISM`).
enum SecurityMechanism: Sendable, Hashable {
    case null, plain, curve, gssapi
    /// A value this binding does not know.
    case other(Int32)
}

extension Socket {
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (libzmq ≥ 4.3, declared only in its draft API header).
    static let zapEnforceDomainOption: Int32 = 93

    /// Applies `security` (``SocketSecurity/plaintext`` changes nothing: sockets start plaintext). Call before ``bind(_:)``/``connect(_:)``: libzmq takes a snapshot of the options at
    /// each bind or connect, so one socket may connect to several CURVE servers with a different server key each
    /// (set ``SocketSecurity/curveClient(keyPair:serverKey:)`` again before each ``connect(_:)``).
    ///
    /// - Throws: `EINVAL` (or `ENOTSUP`) from libzmq when it has no CURVE.
    public func setSecurity(_ security: SocketSecurity) throws(ZMQError) {
        switch security {
        case .plaintext:
            break
        case .curveServer(let keyPair, let zapDomain):
            try requireCurve()
            try setOption(ZMQ_CURVE_SERVER, int: 1, "ZMQ_CURVE_SERVER")
            try setOption(ZMQ_CURVE_SECRETKEY, bytes: keyPair.secretKey.bytes, "ZMQ_CURVE_SECRETKEY")
            try setOption(ZMQ_CURVE_PUBLICKEY, bytes: keyPair.publicKey.bytes, "ZMQ_CURVE_PUBLICKEY")
            try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(zapDomain.utf8), "ZMQ_ZAP_DOMAIN")
            // Fail closed without a handler. Libraries built without the option (EINVAL) still authenticate
            // through the handler; callers keep it bound for the socket's whole life (ZAPHandler's contract).
            do throws(ZMQError) {
                try setOption(Self.zapEnforceDomainOption, int: 1, "ZMQ_ZAP_ENFORCE_DOMAIN")
            } catch  where error.code == EINVAL {}
        case .curveClient(let keyPair, let serverKey):
            try requireCurve()
            try setOption(ZMQ_CURVE_SERVER, int: 0, "ZMQ_CURVE_SERVER")
            try setOption(ZMQ_CURVE_SERVERKEY, bytes: serverKey.bytes, "ZMQ_CURVE_SERVERKEY")
            try setOption(ZMQ_CURVE_PUBLICKEY, bytes: keyPair.publicKey.bytes, "ZMQ_CURVE_PUBLICKEY")
            try setOption(ZMQ_CURVE_SECRETKEY, bytes: keyPair.secretKey.bytes, "ZMQ_CURVE_SECRETKEY")
        }
    }

    /// The mechanism this socket is configured for (`ZMQ_MECHANISM`).
    var mechanism: SecurityMechanism {
        get throws(ZMQError) {
            let handle = try liveHandle("zmq_getsockopt(ZMQ_MECHANISM)")
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            _ = try retryingEINTR("zmq_getsockopt(ZMQ_MECHANISM)") {
                zmq_getsockopt(handle, ZMQ_MECHANISM, &value, &size)
            }
            switch value {
            case ZMQ_NULL: return .null
            case ZMQ_PLAIN: return .plain
            case ZMQ_CURVE: return .curve
            case ZMQ_GSSAPI: return .gssapi
            default: return .other(value)
            }
        }
    }

    private func requireCurve() throws(ZMQError) {
        guard CurveKeyPair.isAvailable else { throw ZMQError(code: ENOTSUP, operation: "zmq_has(\"curve\")") }
    }

    private func setOption(_ option: Int32, int value: Int32, _ name: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_setsockopt(\(name))")
        var value = value
        _ = try retryingEINTR("zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
        }
    }

    private func setOption(_ option: Int32, bytes: [UInt8], _ name: String) throws(ZMQError) {
        let handle = try liveHandle("zmq_setsockopt(\(name))")
        _ = try retryingEINTR("zmq_setsockopt(\(name))") {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        }
    }
}
