"""A real ``redis-server`` on a loopback port, for the shared cache and limits tests.

``RedisServer`` starts the Debian ``redis-server`` binary on 127.0.0.1 and a
free port, with persistence off, waits until it answers ``PING`` and stops
it (SIGTERM, then SIGKILL) on ``stop()``. ``redis_or_skip`` says why the
tests cannot run when the binary or the ``redis`` package is missing
(``make test-fleet`` and ``.ci/run`` install both).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from typing import Any, Optional

__all__ = ["RedisServer", "missing_reason"]


def missing_reason() -> Optional[str]:
    """Why a Redis test cannot run here, or ``None`` when it can."""
    if shutil.which("redis-server") is None:
        return (
            "redis-server is not installed and could not be: run `make test-fleet` "
            "(it runs apt-get install redis-server) or install it by hand"
        )
    try:
        import redis  # noqa: F401 - only checking that it is there
    except ImportError:
        return "the redis package is missing: pip install -r requirements-dev.txt"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """``redis-server`` on ``127.0.0.1:<free port>``, no persistence."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> RedisServer:
        """Start the server and wait (up to 10 s) until it answers."""
        import redis

        self._process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    client.ping()
                    return self
                except redis.exceptions.ConnectionError as exc:
                    if time.monotonic() > deadline or self._process.poll() is not None:
                        self.stop()
                        raise RuntimeError(
                            f"redis-server did not start on port {self.port}"
                        ) from exc
                    time.sleep(0.02)
        finally:
            client.close()

    def client(self) -> Any:
        """A new ``redis.Redis`` client for this server."""
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
