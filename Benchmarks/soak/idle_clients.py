#!/usr/bin/env python3
"""Opens N WebSocket connections to ws://127.0.0.1:PORT/ and holds them idle.

Prints "ready N" once every handshake got its 101, answers the server's keepalive Pings, and
exits (closing every socket) when its standard input closes or after --hold seconds.
Standard library only.
"""
import argparse, base64, os, selectors, socket, struct, sys, time

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("-n", type=int, default=10000)
p.add_argument("--hold", type=float, default=600)
args = p.parse_args()

sel = selectors.DefaultSelector()
request = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n")
conns = {}
for i in range(args.n):
    s = socket.create_connection(("127.0.0.1", args.port))
    s.sendall(request % base64.b64encode(os.urandom(16)))
    s.setblocking(False)
    conns[s] = bytearray()
    sel.register(s, selectors.EVENT_READ)
    if i % 500 == 499:   # drain 101s as we go so the server's queues stay small
        for key, _ in sel.select(0):
            pass

upgraded = set()
errors = 0
def on_readable(s):
    global errors
    try:
        data = s.recv(65536)
    except OSError:
        data = b""
    if not data:
        errors += 1
        sel.unregister(s); s.close(); conns.pop(s, None); return
    buf = conns[s]; buf += data
    if s not in upgraded:
        end = buf.find(b"\r\n\r\n")
        if end < 0: return
        if not buf.startswith(b"HTTP/1.1 101"): errors += 1
        upgraded.add(s); del buf[:end + 4]
    while len(buf) >= 2:                      # server frames: unmasked
        op, ln = buf[0] & 0x0F, buf[1] & 0x7F; hl = 2
        if ln == 126: hl, ln = 4, struct.unpack(">H", buf[2:4])[0]
        elif ln == 127: hl, ln = 10, struct.unpack(">Q", buf[2:10])[0]
        if len(buf) < hl + ln: return
        payload = bytes(buf[hl:hl + ln]); del buf[:hl + ln]
        if op == 0x9:                         # answer Ping with a masked Pong
            key = os.urandom(4)
            masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            s.sendall(bytes([0x8A, 0x80 | len(payload)]) + key + masked)

sel.register(sys.stdin, selectors.EVENT_READ)
reported = False
deadline = time.monotonic() + args.hold
while time.monotonic() < deadline:
    for key, _ in sel.select(1.0):
        if key.fileobj is sys.stdin:
            if not sys.stdin.readline():
                deadline = 0
        else:
            on_readable(key.fileobj)
    if not reported and len(upgraded) + errors >= args.n:
        print(f"ready {len(upgraded)} errors {errors}", flush=True); reported = True
for s in list(conns): s.close()
