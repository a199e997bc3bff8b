#!/usr/bin/env python3
"""Hold idle and slowloris connections to csilocd's metrics endpoint and time GET /metrics and /healthz.

    tools/metrics_probe.py 127.0.0.1:9464 --idle 200 --slow 20 --hold 5

--idle sockets connect and send nothing; --slow sockets send one byte of a request per second. While they
are held, /metrics and /healthz are fetched every 0.5 s for --hold seconds; the worst time and how many
held sockets the server still keeps open are printed (docs/daemon.md, "Metrics"). Standard library only.
"""
import socket, sys, time, threading, argparse
ap = argparse.ArgumentParser()
ap.add_argument("addr"); ap.add_argument("--idle", type=int, default=200); ap.add_argument("--slow", type=int, default=20)
ap.add_argument("--hold", type=float, default=5.0); ap.add_argument("--paths", default="/metrics,/healthz")
a = ap.parse_args()
host, port = a.addr.rsplit(":", 1); port = int(port)
idle, slow = [], []
def connect():
    s = socket.socket(); s.settimeout(5); s.connect((host, port)); return s
opened = 0
try:
    for _ in range(a.idle): idle.append(connect()); opened += 1
except OSError as e:
    print(f"idle connect failed after {opened}: {e}")
for _ in range(a.slow):
    s = connect(); s.send(b"G"); slow.append(s)
stop = False
def drip():
    i = 0
    while not stop:
        for s in slow:
            try: s.send(b"ET /metrics HTTP/1.1\r\nX-a: b"[i % 27:(i % 27) + 1])
            except OSError: pass
        i += 1; time.sleep(1)
t = threading.Thread(target=drip, daemon=True); t.start()
def get(path):
    t0 = time.monotonic()
    try:
        s = connect(); s.settimeout(10)
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        data = b""
        while True:
            c = s.recv(65536)
            if not c: break
            data += c
            if len(data) > 4 and b"\r\n\r\n" in data and a_short(data): break
        s.close()
        return time.monotonic() - t0, data.split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        return time.monotonic() - t0, f"error {e}"
def a_short(data):
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False
worst = 0.0
end = time.monotonic() + a.hold
while time.monotonic() < end:
    for p in a.paths.split(","):
        dt, status = get(p); worst = max(worst, dt)
        print(f"{p}: {dt*1000:.1f} ms  {status}")
    time.sleep(0.5)
def alive(socks):
    n = 0
    for s in socks:
        s.setblocking(False)
        try:
            d = s.recv(1)
            if d == b"": continue
            n += 1
        except BlockingIOError: n += 1
        except OSError: pass
    return n
print(f"worst {worst*1000:.1f} ms; still open: idle {alive(idle)}/{len(idle)}, slowloris {alive(slow)}/{len(slow)}")
stop = True
