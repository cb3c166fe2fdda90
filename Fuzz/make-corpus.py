#!/usr/bin/env python3
"""Writes the seed corpus in Fuzz/Corpus/<target>/ (committed; rerun after changing an input format).

Each seed starts with the configuration bytes its target reads (see the comment at the top of
Sources/fuzz-*/Fuzz*.swift), then the bytes or operations it feeds.
"""
import hashlib, os, struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")

def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(bytes(data))

def mask(payload, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))

def frame(opcode, payload, fin=True, rsv=0, key=None, length=None):
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    m = 0x80 if key else 0
    if n < 126: head += bytes([m | n])
    elif n <= 0xFFFF: head += bytes([m | 126]) + struct.pack(">H", n)
    else: head += bytes([m | 127]) + struct.pack(">Q", n)
    return head + (key + mask(payload, key) if key else payload)

KEY = bytes.fromhex("37fa213d")
HELLO = b"Hello"

# --- fuzz-decoder: [config] [chunk seed] wire. config: bit 0 client, bits 1-2 limit (3: 16 MiB), bits 3-5 RSV allowed.
SERVER, CLIENT = 0x06, 0x07
decoder = {
    # RFC 6455 §5.7 examples.
    "rfc-text-unmasked": [CLIENT, 0] + list(frame(1, HELLO)),
    "rfc-text-masked": [SERVER, 0] + list(frame(1, HELLO, key=KEY)),
    "rfc-fragmented": [CLIENT, 1] + list(frame(1, b"Hel", fin=False) + frame(0, b"lo")),
    "rfc-ping-pong": [SERVER, 3] + list(frame(9, HELLO, key=KEY) + frame(10, HELLO, key=KEY)),
    "rfc-256-binary": [CLIENT, 7] + list(frame(2, bytes(range(256)))),
    "rfc-64k-header": [CLIENT, 0x3F] + list(frame(2, bytes(200), length=65536)),
    "close-normal": [SERVER, 0] + list(frame(8, b"\x03\xe8bye", key=KEY)),
    "close-empty": [CLIENT, 2] + list(frame(8, b"")),
    "close-one-byte": [CLIENT, 0] + list(frame(8, b"\x03")),
    "rsv1-allowed": [SERVER | 0x20, 5] + list(frame(1, HELLO, rsv=4, key=KEY)),
    "limit-125": [0x02, 0] + list(frame(2, bytes(126), key=KEY)),
    "limit-1024-interleaved": [0x04, 9] + list(frame(2, bytes(100), fin=False, key=KEY) + frame(9, b"p", key=KEY) + frame(0, bytes(900), key=KEY)),
    "top-bit-length": [CLIENT, 0] + list(bytes([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1])),
    "reserved-opcode": [CLIENT, 0] + list(frame(3, b"x")),
}
for name, data in decoder.items(): write("decoder", name, data)

# --- fuzz-handshake: [config] [chunk seed] head. config: bit 0 response, bits 1-2 size (3: 16 KiB),
# bits 3-4 header count (3: 100), bits 5-6 client offer (2: chat, superchat; permessage-deflate, x-foo).
REQ, RESP = 0x1E, 0x1F | 0x40
request = (b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n"
           b"Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n")
response = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
handshake = {
    "rfc-request": [REQ, 0] + list(request),
    "rfc-request-chunked": [REQ, 0x05] + list(request),
    "rfc-response": [RESP, 0] + list(response),
    "response-extensions-and-frame": [RESP, 3] + list(response[:-2] + b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10, x-foo\r\n\r\n" + frame(1, HELLO)),
    "request-extensions": [REQ, 0] + list(request[:-2] + b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo; a=1; b=\"q\"\r\n\r\n"),
    "request-absolute-target": [REQ, 0] + list(request.replace(b"GET /chat", b"GET ws://server.example.com/chat?room=1")),
    "request-version-8": [REQ, 0] + list(request.replace(b"Version: 13", b"Version: 8")),
    "request-small-limits": [0x00, 1] + list(request),
    "response-426": [RESP, 0] + list(b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nConnection: Upgrade, close\r\nContent-Length: 0\r\n\r\n"),
    "response-obs-text": [RESP, 0] + list(b"HTTP/1.1 101 Sw\xffitching\r\nX-Thing: caf\xc3\xa9 \xfe\r\n\r\n"),
    "extension-list": [REQ, 0] + list(b"permessage-deflate; client_max_window_bits=\"15\"; server_no_context_takeover, , x-foo"),
}
for name, data in handshake.items(): write("handshake", name, data)

# --- fuzz-connection: [config A] [config B] [key seed] operations (see FuzzConnection.swift).
# config: bit 0 A is client, bits 1-2 frame limit, 3-4 message limit (3: 16 MiB), 5 fragments, 6 pings.
BIG = 0x5E          # 16 MiB limits, answers pings
ALL = 0x0C          # deliver everything both ways
def op(what, side=0, param=0): return [what | side << 4 | param << 5]
def send(side, text, data): return op(4, side, 1 if text else 0) + [len(data)] + list(data)
def send_frame(side, opcode_index, fin, data, cut=0):
    return op(5, side, opcode_index | (4 if fin else 0)) + [len(data)] + list(data) + [cut]
def control(side, ping, data): return op(6, side, 0 if ping else 1) + [len(data)] + list(data)
def close(side, code_index, reason): return op(7, side) + [code_index, len(reason)] + list(reason)
def abort(side, code_index, reason): return op(8, side) + [code_index, len(reason)] + list(reason)
connection = {
    "echo-and-close": [BIG, BIG | 1, 1] + send(0, True, HELLO) + [ALL] + send(1, False, b"\x00\x01\x02\x03") + [ALL]
        + control(0, True, b"ping") + [ALL] + close(1, 1, b"bye") + [ALL, ALL],
    "fragmented-text": [BIG | 1, BIG, 2] + send_frame(0, 0, False, "Héllo wörld".encode(), cut=2) + control(0, True, b"")
        + send_frame(0, 2, False, "ünïcode".encode(), cut=3) + [0x00, 3, 0x00, 5] + send_frame(0, 2, True, b"!") + [ALL] + close(0, 7, b"") + [ALL],
    "fragments-delivered": [BIG, BIG | 0x20, 3] + send_frame(0, 1, False, bytes(range(40))) + send_frame(0, 2, True, bytes(10)) + [ALL]
        + control(1, False, b"unsolicited") + [ALL] + abort(0, 2, b"done") + [ALL],
    "fault-injected": [BIG, BIG, 4] + send(0, True, HELLO) + op(9, 1) + [6] + list(frame(1, b"x", key=KEY)[:6]) + [ALL, ALL],
    "message-too-big": [0x40, BIG | 1, 5] + send(1, False, bytes(40)) + [ALL, ALL],
    "end-of-stream": [BIG | 1, BIG, 6] + send(1, True, HELLO) + op(10, 0) + [ALL],
    "partial-writes": [BIG, BIG, 7] + send(0, False, bytes(range(30))) + op(11, 0) + [3] + [0x00, 2, 0x10, 1] + op(11, 0) + [100] + [ALL]
        + close(0, 1, "reason é".encode()) + [0x00, 4, ALL],
}
for name, data in connection.items(): write("connection", name, data)

total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
print(f"{total} bytes in {ROOT}")
