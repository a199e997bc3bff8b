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
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import zmq


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
    args = p.parse_args()

    data = np.load(args.dataset)
    csi, positions = data["csi"], data["positions"]
    if csi.ndim != 3 or positions.shape != (csi.shape[0], 3):
        sys.exit(f"{args.dataset}: expected csi (M, Na, Ns) and positions (M, 3), got {csi.shape} and {positions.shape}")
    count = args.count or csi.shape[0]

    ctx = zmq.Context.instance()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.SNDHWM, 100000)
    if args.bind:
        pub.bind(args.bind)
    else:
        pub.connect(args.connect)
    sub = None
    if args.fixes:
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.RCVHWM, 100000)
        sub.setsockopt(zmq.SUBSCRIBE, f"pos/v1/{args.receiver}/".encode())
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
