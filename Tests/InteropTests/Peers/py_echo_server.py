"""Python `websockets` server used as the peer of AsyncWebSocket's client in the interop tests.

Listens on 127.0.0.1 with an OS-chosen port and prints `PORT <n>` once listening. What each
connection does depends on the request path:

  /echo          echo every message (text as text, binary as binary)
  /fragmented    send two fragmented text and one fragmented binary message (the last text
                 with a Ping between its fragments), then echo
  /ping          ping the client, wait for its Pong, send "pong received", then echo
  /keepalive     wait until the keepalive (--ping-interval) got two Pongs, send "keepalive ok"
  /close         on the first message, close with 4003 "py bye"
  /headers       send a JSON text with some request and response headers, then echo
  /reject        refused in process_request with 403
  /drive         drive an echo client: send text and binary messages of every length class,
                 check each echo, close with 1000 "done", print `DRIVE {"ok": ..., ...}`

With --certfile and --keyfile it speaks TLS (wss://); /headers then also reports "tls_version".

Every connection that ends prints `CLOSED {"path": ..., "code": ..., "reason": ...}`.
"""

import argparse
import asyncio
import json
import ssl
import sys
from http import HTTPStatus

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

from peer_common import bytes_of, emit, exit_with_parent, text_of, wait_for_latency


async def echo(ws) -> None:
    async for message in ws:
        await ws.send(message)


async def handler(ws) -> None:
    path = ws.request.path.split("?", 1)[0]
    try:
        if path == "/fragmented":
            await ws.send(["frag", "ment", "ed \u00e9\u4e16"])
            await ws.send([b"\x00\x01", b"", b"\x02\x03" * 1000])

            # A Ping between two fragments: the client must answer it mid-message.
            async def chunks_with_ping():
                yield "before ping, "
                pong = await ws.ping(b"mid-message")
                await asyncio.wait_for(pong, timeout=10)
                yield "after pong"

            await ws.send(chunks_with_ping())
            await echo(ws)
        elif path == "/ping":
            pong = await ws.ping(b"py-ping")
            await asyncio.wait_for(pong, timeout=10)
            await ws.send("pong received")
            await echo(ws)
        elif path == "/keepalive":
            latency = await wait_for_latency(ws, pings=2, timeout=10)
            await ws.send(f"keepalive ok {latency:.6f}")
            await echo(ws)
        elif path == "/drive":
            report = {"ok": True, "echoed": []}
            for size in [0, 125, 126, 65535, 65536, 1 << 20]:
                for message in [text_of(size), bytes_of(size)]:
                    await ws.send(message)
                    echoed = await asyncio.wait_for(ws.recv(), timeout=10)
                    label = f"{type(message).__name__}/{size}"
                    if type(echoed) is type(message) and echoed == message:
                        report["echoed"].append(label)
                    else:
                        report["ok"] = False
                        report["error"] = f"{label} came back as {type(echoed).__name__}[{len(echoed)}]"
            await ws.close(1000, "done")
            emit("DRIVE " + json.dumps(report))
        elif path == "/close":
            await ws.recv()
            await ws.close(4003, "py bye")
        elif path == "/headers":
            tls = ws.transport.get_extra_info("ssl_object")
            await ws.send(json.dumps({
                "tls_version": tls.version() if tls is not None else None,
                "request_extensions": ws.request.headers.get("Sec-WebSocket-Extensions"),
                "response_extensions": ws.response.headers.get("Sec-WebSocket-Extensions"),
                "subprotocol": ws.subprotocol,
                "origin": ws.request.headers.get("Origin"),
                "x_test": ws.request.headers.get("X-Test"),
                "path": ws.request.path,
            }))
            await echo(ws)
        else:
            await echo(ws)
    except ConnectionClosed:
        pass
    finally:
        await ws.wait_closed()
        emit("CLOSED " + json.dumps({"path": path, "code": ws.close_code, "reason": ws.close_reason}))


def process_request(connection, request):
    if request.path.split("?", 1)[0] == "/reject":
        return connection.respond(HTTPStatus.FORBIDDEN, "forbidden\n")
    return None


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compression", choices=["none", "deflate"], default="none")
    parser.add_argument("--subprotocol", action="append", default=None)
    parser.add_argument("--ping-interval", type=float, default=None)
    # Generous: the cores are shared with other tests; what matters is that Pongs come.
    parser.add_argument("--ping-timeout", type=float, default=5)
    parser.add_argument("--lifetime", type=float, default=60)
    # JSON keyword arguments for ServerPerMessageDeflateFactory, replacing --compression.
    parser.add_argument("--deflate", default=None)
    # A certificate chain and its key (PEM): serve wss:// instead of ws://.
    parser.add_argument("--certfile", default=None)
    parser.add_argument("--keyfile", default=None)
    args = parser.parse_args()
    extensions = None
    if args.deflate is not None:
        extensions = [ServerPerMessageDeflateFactory(**json.loads(args.deflate))]
    exit_with_parent(args.lifetime)
    tls = None
    if args.certfile is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.certfile, args.keyfile)

    async with serve(
        handler, "127.0.0.1", 0,
        compression=None if args.compression == "none" or extensions else "deflate",
        extensions=extensions,
        subprotocols=args.subprotocol,
        process_request=process_request,
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout if args.ping_interval else None,
        max_size=None,
        max_queue=None,
        ssl=tls,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        emit(f"PORT {port}")
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
