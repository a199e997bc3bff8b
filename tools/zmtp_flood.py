#!/usr/bin/env python3
"""Hostile-publisher memory probe for csilocd (docs/daemon.md, "Memory ceiling").

Speaks ZMTP 3.0 (NULL mechanism, socket type PUB) over a plain TCP socket, so it can announce frames
that no ZeroMQ library would send, without holding them in its own memory, and samples the daemon's
resident set (VmRSS in /proc/PID/status) while it sends. Standard library only.

    csilocd --config flood.yaml &            # input: {endpoint: tcp://127.0.0.1:5555, bind: true}
    tools/zmtp_flood.py --connect 127.0.0.1:5555 --pid $! huge --bytes 1073741824
    tools/zmtp_flood.py --connect 127.0.0.1:5555 --pid $! parts --count 3000000 [--topic]
    tools/zmtp_flood.py --connect 127.0.0.1:5555 --pid $! max --size 16777216 --count 200
    tools/zmtp_flood.py --connect 127.0.0.1:5555 --pid $! split --size 16777216 --parts 64

Modes:
  huge   one message whose single part announces --bytes, then streams zeros until done or disconnected
  parts  one message of --count empty parts (2 wire bytes each) and a last 1-byte part; --topic puts the
         subscribed topic first (the daemon counts it, too_many_parts; without, libzmq drops it unseen)
  max    --count messages [topic, 64-byte header, payload] of --size bytes in all (garbage: rejected
         after the copy, so this measures libzmq's queue and the receive copy)
  split  one message of --parts parts of --size bytes each (every part within the per-part limit)

Prints the RSS before, the peak while sending, and after --settle seconds, in MiB.
"""
import argparse
import socket
import struct
import threading
import time

TOPIC = b"csi/v1/1/1"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid, interval=0.02):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.stop = pid, interval, 0, False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(self.interval)


def frame(body, more=False):
    flags = 1 if more else 0
    if len(body) < 256:
        return bytes([flags, len(body)]) + body
    return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body


def connect(address):
    host, port = address.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    greeting = b"\xff" + b"\0" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\0") + b"\0" + b"\0" * 31
    ready = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 3) + b"PUB"
    s.sendall(greeting + bytes([4, len(ready)]) + ready)

    def drain():  # the SUB's greeting, READY and subscriptions
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    time.sleep(0.2)
    return s


def send_all(s, chunks):
    sent = 0
    try:
        for c in chunks:
            s.sendall(c)
            sent += len(c)
    except OSError as e:
        return sent, f"peer closed the connection ({e.strerror}) after {sent} bytes"
    return sent, f"sent {sent} bytes"


def huge(n):
    yield bytes([2]) + struct.pack(">Q", n)  # last part, long frame of n bytes: only the announcement...
    zeros = bytes(1 << 20)
    left = n
    while left > 0:  # ...then the bytes, a MiB at a time
        yield zeros[: min(left, len(zeros))]
        left -= min(left, len(zeros))


def parts(count, topic):
    if topic:  # a first part the daemon subscribes to: the message reaches it and is counted (too_many_parts)
        yield frame(TOPIC, more=True)
    batch = b"\x01\x00" * 65536
    left = count
    while left > 0:
        k = min(left, 65536)
        yield batch[: 2 * k]
        left -= k
    yield frame(b"x")


def max_messages(size, count):
    header = b"\0" * 64
    payload = bytes(size - len(TOPIC) - len(header))
    for _ in range(count):
        yield frame(TOPIC, more=True) + frame(header, more=True)
        yield frame(payload)


def split(size, count):
    body = bytes(size)
    yield frame(TOPIC, more=True)
    for i in range(count):
        yield frame(body, more=i < count - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connect", required=True, help="host:port of csilocd's bound SUB socket")
    ap.add_argument("--pid", type=int, required=True, help="csilocd's process id (RSS is read from /proc)")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds to wait before the final RSS")
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("huge"); p.add_argument("--bytes", type=int, default=1 << 30)
    p = sub.add_parser("parts"); p.add_argument("--count", type=int, default=3_000_000)
    p.add_argument("--topic", action="store_true", help=f"start with the subscribed topic {TOPIC.decode()} (else an empty part)")
    p = sub.add_parser("max"); p.add_argument("--size", type=int, default=16 << 20); p.add_argument("--count", type=int, default=200)
    p = sub.add_parser("split"); p.add_argument("--size", type=int, default=16 << 20); p.add_argument("--parts", type=int, default=64)
    a = ap.parse_args()

    before = rss_kib(a.pid)
    sampler = Sampler(a.pid)
    sampler.start()
    s = connect(a.connect)
    t0 = time.monotonic()
    if a.mode == "huge":
        sent, outcome = send_all(s, huge(a.bytes))
    elif a.mode == "parts":
        sent, outcome = send_all(s, parts(a.count, a.topic))
    elif a.mode == "max":
        sent, outcome = send_all(s, max_messages(a.size, a.count))
    else:
        sent, outcome = send_all(s, split(a.size, a.parts))
    elapsed = time.monotonic() - t0
    time.sleep(a.settle)
    sampler.stop = True
    sampler.join()
    after = rss_kib(a.pid)
    s.close()
    mib = lambda k: f"{k / 1024:.1f}"
    print(f"{a.mode}: {outcome} in {elapsed:.2f} s; RSS before {mib(before)} MiB, "
          f"peak {mib(sampler.peak)} MiB (+{mib(sampler.peak - before)}), after {a.settle:g} s {mib(after)} MiB "
          f"(+{mib(after - before)})")


if __name__ == "__main__":
    main()
