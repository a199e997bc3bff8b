#!/usr/bin/env python3
"""Feed csilocd from an NPZ dataset and collect its position fixes.

What an integrator copies: it speaks CSI wire protocol v1 (docs/protocol.md) on a ZeroMQ PUB socket and
reads the daemon's fixes ([pos/v1/<receiver>/<ue>][JSON]) on a SUB socket. Dependencies: numpy, pyzmq.

    # daemon: input.endpoint tcp://127.0.0.1:5555 (bind: false), output.endpoint tcp://127.0.0.1:5556 (bind: true)
    python3 tools/csi_publisher.py data/test.npz --bind tcp://127.0.0.1:5555 \\
        --fixes tcp://127.0.0.1:5556 --rate 100 --count 1000 --out fixes.jsonl

Each frame carries its true position in the extension part ({"truth": [x, y, z]}), so the daemon reports
`truth_error_m` and this script prints error percentiles at the end. The dataset layout is
docs/datasets.md: `csi` (M, Na, Ns) complex, `positions` (M, 3).

CurveZMQ (docs/daemon.md, "Security"), key files from `csiloc keygen` (ZeroMQ certificates):
    # csilocd with input.bind: true and curve: {input_clients: [pub.key], output_clients: [pub.key], ...}
    python3 tools/csi_publisher.py data/test.npz --connect tcp://gnb-host:5555 --fixes tcp://gnb-host:5556 \\
        --curve-secret-key pub.key_secret --curve-server-key csilocd.key
    # csilocd with input.bind: false and curve: {input_server_key: pub.key, ...}: this script is the server
    python3 tools/csi_publisher.py data/test.npz --bind tcp://0.0.0.0:5555 \\
        --curve-secret-key pub.key_secret --curve-allow csilocd.key [--fixes ... --curve-server-key csilocd.key]
"""
import argparse
import json
import os
import stat
import struct
import sys
import threading
import time

import numpy as np
import zmq
import zmq.utils.z85


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli). Pure Python: ~1 MB/s; use --no-crc at high rates with large frames."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def csi_message(seq, receiver, ue, H, truth=None, t_capture_ns=0, snr_db=float("nan"), with_crc=True):
    """Multipart protocol v1 message for an (n_ant, n_sc) complex matrix H, complex float32 (format 0)."""
    H = np.ascontiguousarray(H, dtype=np.complex64)      # antenna-major [ant][sc], (re, im) interleaved
    n_ant, n_sc = H.shape
    payload = H.astype("<c8").tobytes()
    header = struct.pack(
        "<4sHHQqqIIHHBBBBIffI",
        b"CSI1", 1, 64,                                  # magic, header_version, header_length
        seq, t_capture_ns, time.time_ns(),
        receiver, ue, n_ant, n_sc,
        1, 0, 0, 0,                                      # n_tx_ports, sample_format cf32, layout [ant][sc], flags
        0, snr_db, 1.0,                                  # meta_epoch, snr_db, scale
        crc32c(payload) if with_crc else 0)              # 0 = "not computed"
    parts = [f"csi/v1/{receiver}/{ue}".encode(), header, payload]
    if truth is not None:
        parts.append(json.dumps({"truth": [float(v) for v in truth]}).encode())
    return parts


def load_key_file(path, secret):
    """(public, secret) Z85 keys of a ZeroMQ certificate; refuses a secret file that group/other can read."""
    import zmq.auth
    try:
        mode = os.stat(path).st_mode
        public, secret_key = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read key file: {e}")
    if secret:
        if secret_key is None:
            sys.exit(f"{path}: no secret-key: give the .key_secret file")
        if stat.S_IMODE(mode) & 0o077:
            sys.exit(f"{path}: secret key file is accessible by group or other (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}")
    elif secret_key is not None:
        sys.exit(f"{path}: holds a secret key; give the public .key file instead")
    if len(public) != 40:
        sys.exit(f"{path}: public-key is not a 40-character Z85 key")
    return public, secret_key


def curve_client(sock, keys, server_key):
    """Makes `sock` a CURVE client of the server with public key `server_key` (Z85)."""
    sock.curve_publickey, sock.curve_secretkey = keys
    sock.curve_serverkey = server_key


def curve_server(ctx, sock, keys, allowed):
    """Makes `sock` a CURVE server that lets in the Z85 public keys in `allowed` (ZAP 1.0, own thread)."""
    sock.curve_server = True
    sock.curve_secretkey = keys[1]
    sock.zap_domain = b"csi-publisher"
    enforce = getattr(zmq, "ZAP_ENFORCE_DOMAIN", 93)   # refuse everyone if no handler answers (libzmq >= 4.3)
    try:
        sock.setsockopt(enforce, 1)
    except zmq.ZMQError:
        pass
    allowed = {zmq.utils.z85.decode(k) for k in allowed}
    handler = ctx.socket(zmq.REP)
    handler.bind("inproc://zeromq.zap.01")            # before the server socket binds
    stop = threading.Event()

    def serve():                                     # the handler socket lives on this thread only
        while not stop.is_set():
            if not handler.poll(100):
                continue
            request = handler.recv_multipart()
            ok = (len(request) == 7 and request[0] == b"1.0" and request[5] == b"CURVE" and request[6] in allowed)
            request_id = request[1] if len(request) > 1 else b""
            handler.send_multipart([b"1.0", request_id, b"200" if ok else b"400", b"OK" if ok else b"not allowed", b"", b""])
        handler.close(linger=0)

    thread = threading.Thread(target=serve, name="zap", daemon=True)
    thread.start()
    return stop, thread


def drain_fixes(sub, fixes, out):
    """Reads every fix waiting on `sub` without blocking."""
    while True:
        try:
            topic, body = sub.recv_multipart(flags=zmq.NOBLOCK)
        except zmq.Again:
            return
        fix = json.loads(body)
        fixes.append(fix)
        if out is not None:
            out.write(body.decode() + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset", help="NPZ file with csi (M, Na, Ns) and positions (M, 3)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--bind", help="bind the CSI PUB here (daemon input.bind: false connects to it)")
    g.add_argument("--connect", help="connect the CSI PUB here (daemon input.bind: true)")
    p.add_argument("--fixes", help="the daemon's output endpoint to collect fixes from")
    p.add_argument("--rate", type=float, default=100.0, help="frames per second (0 = as fast as possible)")
    p.add_argument("--count", type=int, default=0, help="frames to send (default: the whole dataset once)")
    p.add_argument("--receiver", type=int, default=1)
    p.add_argument("--ues", type=int, default=1, help="spread frames over this many UE ids (1..N)")
    p.add_argument("--no-truth", action="store_true", help="do not send the true position")
    p.add_argument("--no-crc", action="store_true", help="send crc32c = 0 (not computed)")
    p.add_argument("--wait", type=float, default=3.0, help="seconds to wait for the last fixes")
    p.add_argument("--out", help="write every fix as one JSON line to this file")
    p.add_argument("--curve-secret-key", help="CURVE: this script's key pair (.key_secret from csiloc keygen, mode 0600)")
    p.add_argument("--curve-server-key", help="CURVE, --connect/--fixes: csilocd's public key file (.key)")
    p.add_argument("--curve-allow", action="append", default=[],
                   help="CURVE, --bind: public key file of a subscriber (csilocd) allowed to connect; repeatable")
    args = p.parse_args()
    if (args.curve_server_key or args.curve_allow) and not args.curve_secret_key:
        sys.exit("--curve-server-key and --curve-allow need --curve-secret-key")
    if args.curve_secret_key:
        if args.bind and not args.curve_allow:
            sys.exit("--bind with CURVE: list csilocd's public key with --curve-allow")
        if args.connect and args.curve_allow:
            sys.exit("--curve-allow is for --bind; with --connect give --curve-server-key")
        if (args.connect or args.fixes) and not args.curve_server_key:
            sys.exit("--connect/--fixes with CURVE: give csilocd's public key with --curve-server-key")

    data = np.load(args.dataset)
    csi, positions = data["csi"], data["positions"]
    if csi.ndim != 3 or positions.shape != (csi.shape[0], 3):
        sys.exit(f"{args.dataset}: expected csi (M, Na, Ns) and positions (M, 3), got {csi.shape} and {positions.shape}")
    count = args.count or csi.shape[0]

    keys = load_key_file(args.curve_secret_key, secret=True) if args.curve_secret_key else None
    server_key = load_key_file(args.curve_server_key, secret=False)[0] if args.curve_server_key else None
    allowed = [load_key_file(path, secret=False)[0] for path in args.curve_allow]

    ctx = zmq.Context.instance()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.SNDHWM, 100000)
    zap = None
    if args.bind:
        if keys:
            zap = curve_server(ctx, pub, keys, allowed)
        pub.bind(args.bind)
    else:
        if keys:
            curve_client(pub, keys, server_key)
        pub.connect(args.connect)
    sub = None
    if args.fixes:
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.RCVHWM, 100000)
        sub.setsockopt(zmq.SUBSCRIBE, f"pos/v1/{args.receiver}/".encode())
        if keys:
            curve_client(sub, keys, server_key)
        sub.connect(args.fixes)
    time.sleep(0.5)                                      # PUB/SUB slow joiner: let subscriptions arrive

    out = open(args.out, "w") if args.out else None
    fixes = []
    period = 1.0 / args.rate if args.rate > 0 else 0.0
    start = time.monotonic()
    for seq in range(count):
        m = seq % csi.shape[0]
        truth = None if args.no_truth else positions[m]
        ue = 1 + seq % args.ues
        pub.send_multipart(csi_message(seq, args.receiver, ue, csi[m], truth=truth, with_crc=not args.no_crc))
        if sub is not None:
            drain_fixes(sub, fixes, out)
        if period:
            delay = start + (seq + 1) * period - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    sent_seconds = time.monotonic() - start
    if sub is not None:
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline and len(fixes) < count:
            if sub.poll(100):
                drain_fixes(sub, fixes, out)
    if out is not None:
        out.close()
    pub.close(linger=0)
    if sub is not None:
        sub.close(linger=0)
    if zap is not None:                              # after the server socket is closed
        zap[0].set()
        zap[1].join()

    print(f"sent {count} frames in {sent_seconds:.2f} s ({count / max(sent_seconds, 1e-9):.0f} frames/s)")
    if sub is not None:
        statuses = {}
        for f in fixes:
            statuses[f["status"]] = statuses.get(f["status"], 0) + 1
        print(f"received {len(fixes)} fixes {statuses}")
        errors = np.array([f["truth_error_m"] for f in fixes if f.get("truth_error_m") is not None])
        latency = np.array([f["latency_ms"] for f in fixes if f.get("latency_ms") is not None])
        if errors.size:
            p50, p90, p99 = np.percentile(errors, [50, 90, 99])
            print(f"error: median {100 * p50:.2f} cm, p90 {100 * p90:.2f} cm, p99 {100 * p99:.2f} cm")
        if latency.size:
            print(f"daemon latency (receipt→publish): p50 {np.percentile(latency, 50):.2f} ms, "
                  f"p99 {np.percentile(latency, 99):.2f} ms")


if __name__ == "__main__":
    main()
