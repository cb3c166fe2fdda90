"""Python `websockets` client used as the peer of AsyncWebSocket's server in the interop tests.

usage: py_client.py URL SCENARIO [--lifetime SECONDS] [--deflate JSON] [--cafile PEM]

Runs one scenario against a server that echoes (unless the scenario says otherwise) and prints
one line `RESULT {json}` with at least "ok" (bool) and, when it failed, "error". It always
reports the server's `Sec-WebSocket-Extensions` response header as "response_extensions"
(websockets offers permessage-deflate by default, so this shows whether the server took it).

For a wss:// URL the server's certificate is verified (CERT_REQUIRED and the host name) against
--cafile, or against the system roots without it; "tls_version" reports what was negotiated.
The "untrusted" scenario expects that verification to fail and reports "verify_error".
"""

import argparse
import asyncio
import json
import ssl
import traceback

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from peer_common import bytes_of, emit, exit_with_parent, text_of, wait_for_latency

SIZES = [0, 125, 126, 65535, 65536, 1 << 20]


async def roundtrip(ws, message, result: dict, label: str) -> None:
    await ws.send(message)
    echoed = await asyncio.wait_for(ws.recv(), timeout=20)
    if type(echoed) is not type(message) or echoed != message:
        raise AssertionError(
            f"{label}: sent {type(message).__name__}[{len(message)}], "
            f"got {type(echoed).__name__}[{len(echoed)}]")
    result.setdefault("echoed", []).append(label)


async def scenario_echo(ws, result):
    for size in SIZES:
        await roundtrip(ws, text_of(size), result, f"text/{size}")
        await roundtrip(ws, bytes_of(size), result, f"binary/{size}")
    # Non-ASCII text: multi-byte UTF-8 across the 126-byte boundary.
    await roundtrip(ws, "h\u00e9llo w\u00f6rld \u4e16\u754c \U0001F600" * 10, result, "text/utf8")


async def scenario_echo_16mib(ws, result):
    await roundtrip(ws, bytes_of(16 << 20), result, "binary/16MiB")


async def scenario_fragmented(ws, result):
    # A list (iterable) and an async iterator: websockets sends each element as a fragment.
    await ws.send(["frag", "ment", "ed \u00e9\u4e16"])
    result["text"] = await asyncio.wait_for(ws.recv(), timeout=10)
    await ws.send([b"\x00\x01", b"", b"\x02\x03" * 40000])
    echoed = await asyncio.wait_for(ws.recv(), timeout=10)
    result["binary_ok"] = echoed == b"\x00\x01" + b"\x02\x03" * 40000

    async def chunks():
        for part in ["a" * 200, "b" * 70000, "c"]:
            yield part

    await ws.send(chunks())
    echoed = await asyncio.wait_for(ws.recv(), timeout=10)
    result["async_ok"] = echoed == "a" * 200 + "b" * 70000 + "c"

    # A Ping between two fragments of one message (RFC 6455 §5.4: control frames may be
    # interleaved): the Pong must come while the message is still incomplete.
    async def chunks_with_ping():
        yield b"first"
        pong = await ws.ping(b"mid-message")
        result["mid_message_latency"] = await asyncio.wait_for(pong, timeout=10)
        yield b"second"

    await ws.send(chunks_with_ping())
    echoed = await asyncio.wait_for(ws.recv(), timeout=10)
    result["interleaved_ok"] = echoed == b"firstsecond"
    # A message after the fragmented ones still arrives on its own.
    await roundtrip(ws, "after", result, "text/after")


async def scenario_ping(ws, result):
    latencies = []
    for payload in [b"", b"py", bytes(range(125))]:
        pong = await ws.ping(payload)
        latencies.append(await asyncio.wait_for(pong, timeout=10))
    pong = await ws.ping()  # websockets picks a random payload
    latencies.append(await asyncio.wait_for(pong, timeout=10))
    result["latencies"] = latencies
    await roundtrip(ws, "still open", result, "text/after-pings")


async def scenario_keepalive(ws, result):
    # Connected with ping_interval=0.2: a keepalive Ping goes out 0.2 s after the previous
    # Pong; three measured latencies mean three answered Pings. An unanswered one closes the
    # connection with 1011 after ping_timeout, which is generous (5 s) because the 2 shared
    # cores also run the other tests: the point is that Pongs come, not how fast.
    result["latency"] = await wait_for_latency(ws, pings=3, timeout=10)
    await roundtrip(ws, "still open", result, "text/after-keepalive")


async def scenario_close_4001(ws, result):
    await roundtrip(ws, "hi", result, "text/hi")
    await ws.close(4001, "bye")


async def scenario_server_closes(ws, result):
    # The server closes (4002 "server bye") after the first message.
    await ws.send("close please")
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=10)
    except ConnectionClosed:
        pass


async def scenario_subprotocol(ws, result):
    await roundtrip(ws, "proto", result, "text/proto")


SCENARIOS = {
    "echo": scenario_echo,
    "echo_16mib": scenario_echo_16mib,
    "fragmented": scenario_fragmented,
    "ping": scenario_ping,
    "keepalive": scenario_keepalive,
    "close_4001": scenario_close_4001,
    "server_closes": scenario_server_closes,
    "subprotocol": scenario_subprotocol,
    "rejected": None,
    "untrusted": None,
}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--lifetime", type=float, default=60)
    # JSON keyword arguments for ClientPerMessageDeflateFactory, replacing the default offer.
    parser.add_argument("--deflate", default=None)
    # The CA to verify a wss:// server against, instead of the system roots.
    parser.add_argument("--cafile", default=None)
    args = parser.parse_args()
    exit_with_parent(args.lifetime)

    options = dict(proxy=None, max_size=None, open_timeout=10, close_timeout=10)
    if args.scenario == "keepalive":
        options.update(ping_interval=0.2, ping_timeout=5)
    else:
        options.update(ping_interval=None)
    if args.deflate is not None:
        options.update(compression=None, extensions=[ClientPerMessageDeflateFactory(**json.loads(args.deflate))])
    if args.scenario == "subprotocol":
        options.update(subprotocols=["chat.v2", "chat.v1"])
    if args.cafile is not None:
        # create_default_context: CERT_REQUIRED and check_hostname, like the default for wss://.
        options.update(ssl=ssl.create_default_context(cafile=args.cafile))

    result: dict = {"ok": False, "scenario": args.scenario}
    try:
        async with connect(args.url, **options) as ws:
            result["response_extensions"] = ws.response.headers.get("Sec-WebSocket-Extensions")
            result["subprotocol"] = ws.subprotocol
            tls = ws.transport.get_extra_info("ssl_object")
            result["tls_version"] = tls.version() if tls is not None else None
            if args.scenario == "untrusted":
                raise AssertionError("the TLS handshake succeeded without trusting the server's CA")
            await SCENARIOS[args.scenario](ws, result)
        # Leaving the block closes (1000 unless the scenario closed already) and waits for TCP.
        result["close_code"] = ws.close_code
        result["close_reason"] = ws.close_reason
        result["ok"] = True
    except InvalidStatus as error:
        result["status"] = error.response.status_code
        result["ok"] = args.scenario == "rejected"
        if not result["ok"]:
            result["error"] = repr(error)
    except ssl.SSLCertVerificationError as error:
        result["verify_error"] = error.verify_message
        result["ok"] = args.scenario == "untrusted"
        if not result["ok"]:
            result["error"] = repr(error)
    except BaseException as error:  # noqa: BLE001 - report everything to the test
        result["error"] = repr(error)
        result["traceback"] = traceback.format_exc()
    emit("RESULT " + json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
