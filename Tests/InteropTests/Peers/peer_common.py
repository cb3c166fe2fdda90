"""Shared bits of the interop peers: a hard lifetime and exit when the test process goes away."""

import asyncio
import os
import sys
import threading


def exit_with_parent(lifetime: float) -> None:
    """Exit when stdin reaches EOF (the Swift test closed it or died) or after `lifetime` s.

    Runs in a daemon thread so it works whatever the event loop is doing; `os._exit` because a
    peer that outlived its test must not linger in a cleanup path.
    """

    def watch_stdin() -> None:
        try:
            # os.read, not sys.stdin: a daemon thread blocked inside a BufferedReader makes the
            # interpreter abort at shutdown ("could not acquire lock for <stdin>").
            while os.read(0, 4096):
                pass
        except Exception:
            pass
        os._exit(0)

    def deadline() -> None:
        print("peer: lifetime exceeded", file=sys.stderr, flush=True)
        os._exit(3)

    threading.Thread(target=watch_stdin, daemon=True).start()
    timer = threading.Timer(lifetime, deadline)
    timer.daemon = True
    timer.start()


def text_of(size: int) -> str:
    """ASCII text of `size` bytes (so the character count is the byte count)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return (alphabet * (size // len(alphabet) + 1))[:size]


def bytes_of(size: int) -> bytes:
    """`size` bytes of a repeating pattern."""
    return (bytes(range(256)) * (size // 256 + 1))[:size]


def emit(line: str) -> None:
    """One line on stdout, flushed at once so the test sees it."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def wait_for_latency(ws, pings: int, timeout: float) -> float:
    """Waits until the connection's keepalive has measured a latency `pings` times.

    websockets updates `ws.latency` only when a keepalive Pong arrives, so a non-zero value that
    changed `pings` times proves the peer answered that many keepalive Pings.
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    seen = 0
    last = 0.0
    while seen < pings:
        if ws.close_code is not None:
            raise AssertionError(
                f"connection closed after {seen} keepalive pongs: {ws.close_code} {ws.close_reason!r}")
        if loop.time() > end:
            raise TimeoutError(f"only {seen} keepalive pongs within {timeout} s")
        if ws.latency != last:
            last = ws.latency
            seen += 1
        await asyncio.sleep(0.02)
    return last
