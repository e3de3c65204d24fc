"""A scriptable, faulty HTTP server on 127.0.0.1 for tests and benchmarks.

``LoopbackServer`` is a stdlib ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive)
on an ephemeral port. Each request it receives is answered by the next
scripted ``Reply`` (``server.script(...)``), else by ``server.default`` (a
``Reply`` or a callable ``(Received) -> Reply``). A ``Reply`` can set the
status, headers and body, wait before answering (``delay``), send its body a
few bytes at a time (``trickle``), reset the connection part-way through the
body (``reset_after``), or send less than its ``Content-Length`` and close
(``truncate_at``). The server records every request (``server.requests``)
and counts those in flight, with the most seen at once (``max_in_flight``).
``serve_endless`` is a raw socket server whose one body never ends (caps).

Run it as a script to serve from a separate process (benchmarks)::

    python tests/loopback.py --delay 0.02      # prints the base URL, serves until killed
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple, Union

__all__ = ["CHAT_COMPLETION", "LoopbackServer", "Received", "Reply", "chat_completion"]


def chat_completion(
    content: str = "Hello from loopback", model: str = "loopback-model"
) -> Dict[str, Any]:
    """An OpenAI-chat-completions-shaped response body answering ``content``."""
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    }


CHAT_COMPLETION = chat_completion()


class Reply:
    """How to answer one request.

    Args:
        status: the HTTP status.
        body: a dict or list (sent as JSON), ``str`` or ``bytes`` (sent as is).
        headers: extra response headers.
        delay: seconds to wait before sending anything.
        trickle: ``(nbytes, interval)``: send the body ``nbytes`` at a time,
            sleeping ``interval`` seconds between pieces.
        reset_after: send this many body bytes, then reset the connection (RST).
        truncate_at: send this many body bytes (``Content-Length`` says the
            full size), then close the connection normally.
    """

    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        delay: float = 0.0,
        trickle: Optional[Tuple[int, float]] = None,
        reset_after: Optional[int] = None,
        truncate_at: Optional[int] = None,
    ) -> None:
        self.status = status
        self.body = CHAT_COMPLETION if body is None else body
        self.headers = dict(headers or {})
        self.delay = delay
        self.trickle = trickle
        self.reset_after = reset_after
        self.truncate_at = truncate_at

    def payload(self) -> bytes:
        """The body as bytes."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")

    def __repr__(self) -> str:
        return f"Reply(status={self.status}, delay={self.delay})"


class Received:
    """One request as the server saw it: method, path, headers, body, time."""

    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.time = time.monotonic()

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


Responder = Union[Reply, Callable[[Received], Reply]]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 answering with scripted replies.

    Args:
        default: the answer when the script is empty (default: a 200 chat completion).
        backlog: the listen queue length (load tests open many connections at once).
    """

    def __init__(self, default: Optional[Responder] = None, backlog: int = 256) -> None:
        self.default: Responder = default if default is not None else Reply()
        self.requests: List[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.closing = threading.Event()
        self._script: Deque[Reply] = deque()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"loopback": self})
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": backlog})
        self._httpd = server_class(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: Optional[threading.Thread] = None

    def start(self) -> LoopbackServer:
        """Serve in a background thread; returns ``self``."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; waiting replies (``delay``, ``trickle``) give up at once."""
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order, then the default."""
        with self._lock:
            self._script.extend(replies)

    @property
    def count(self) -> int:
        """How many requests arrived so far."""
        with self._lock:
            return len(self.requests)

    def reset_counts(self) -> None:
        """Forget the recorded requests and the in-flight maximum."""
        with self._lock:
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def _next_reply(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            return scripted
        return self.default(received) if callable(self.default) else self.default

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    loopback: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:  # silence the stderr log
        pass

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        received = Received(self.command, self.path, headers, body)
        server = self.loopback
        reply = server._next_reply(received)
        released = []

        def release() -> None:
            # No longer in flight once the client can have the whole answer:
            # called before the body's last write, else a client that got it
            # could send its next request before this one is counted out.
            if not released:
                released.append(True)
                server._done()

        try:
            self._send(reply, server.closing, release)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        finally:
            release()

    def _send(self, reply: Reply, closing: threading.Event, release: Any) -> None:
        if reply.delay and closing.wait(reply.delay):
            self.close_connection = True
            return
        payload = reply.payload()
        self.send_response(reply.status)
        names = {k.lower() for k in reply.headers}
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if reply.reset_after is not None:
            self._write(payload[: reply.reset_after], reply.trickle, closing)
            self.wfile.flush()
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            # Closing now (before socketserver's orderly shutdown sends FIN) resets it.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if reply.truncate_at is not None:
            self._write(payload[: reply.truncate_at], reply.trickle, closing)
            self.close_connection = True
            return
        self._write(payload, reply.trickle, closing, release)

    def _write(
        self,
        data: bytes,
        trickle: Optional[Tuple[int, float]],
        closing: threading.Event,
        before_last: Any = None,
    ) -> None:
        if trickle is None:
            if before_last is not None:
                before_last()
            self.wfile.write(data)
            return
        size, interval = trickle
        for start in range(0, len(data), size):
            if before_last is not None and start + size >= len(data):
                before_last()
            self.wfile.write(data[start : start + size])
            self.wfile.flush()
            if closing.wait(interval):
                self.close_connection = True
                return


def serve_endless(head: bytes, piece: bytes) -> Iterator[str]:
    """A raw socket server answering one request with ``head`` then ``piece`` forever.

    Args:
        head: the status line and headers, each ending in CRLF (the chunked
            ``Transfer-Encoding`` header and the blank line are added).
        piece: the bytes of each chunk, sent until the generator is closed.

    Yields:
        The server's base URL; a fixture yields from this.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
        try:
            while not stop.is_set():
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()
    thread.join(5)


def main(argv: Optional[List[str]] = None) -> int:
    """Serve 200 chat completions after ``--delay`` seconds until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    server = LoopbackServer(default=Reply(delay=args.delay))
    server.start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
