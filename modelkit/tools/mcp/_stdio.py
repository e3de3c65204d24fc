"""The stdio transport: an MCP server as a child process, one JSON-RPC message a line.

The server starts in a process group of its own (POSIX), with the
environment the MCP SDKs give it: a few safe variables of this process
(``PATH``, ``HOME``...) and the ``env`` configured. A reader thread turns
its stdout into messages for the ``Dispatcher``; another drains stderr
into DEBUG log lines (the last few kept for the error if the server dies).
Values of the configured ``env`` are redacted from every line read, on
stdout and stderr. A line that is not JSON-RPC, or longer than ``MAX_LINE`` bytes, fails
the session with an error naming the server; so does the server exiting,
whose status and last stderr lines the error carries.

Shutdown follows the spec: stdin is closed, then the group gets SIGTERM
after ``GRACE`` seconds and SIGKILL after as many again, and the process
is always waited for, so no child or zombie outlives ``close()``.
See https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#stdio
and /basic/lifecycle#shutdown.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import signal
import subprocess
import threading
import time
from typing import IO, Any, Deque, Dict, List, Optional

from ..._json import loads
from ..._redact import Scrubber
from ...errors import MCPServerError
from ._config import MCPServerConfigStdio
from ._rpc import Dispatcher, check_message

__all__ = ["GRACE", "MAX_LINE", "StdioTransport", "exit_status", "server_environment"]

logger = logging.getLogger("modelkit")

MAX_LINE = 16 * 1024 * 1024
"""The longest message (one stdout line) a server may send, in bytes."""

GRACE = 2.0
"""Seconds a server is given to exit after stdin closes, and again after SIGTERM."""

_WINDOWS_INHERITED = (
    "APPDATA",
    "HOMEDRIVE",
    "HOMEPATH",
    "LOCALAPPDATA",
    "PATH",
    "PATHEXT",
    "PROCESSOR_ARCHITECTURE",
    "SYSTEMDRIVE",
    "SYSTEMROOT",
    "TEMP",
    "USERNAME",
    "USERPROFILE",
)
_INHERITED = (
    _WINDOWS_INHERITED if os.name == "nt" else ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
)


_SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def server_environment(env: Optional[Dict[str, str]]) -> Dict[str, str]:
    """The safe inherited variables, then ``env`` over them."""
    found = {
        key: value
        for key in _INHERITED
        if (value := os.environ.get(key)) is not None and not value.startswith("()")
    }
    found.update(env or {})
    return found


class StdioTransport:
    """One running stdio server.

    Args:
        config: the command, arguments, directory and environment.
    """

    kind = "stdio"

    def __init__(self, config: MCPServerConfigStdio) -> None:
        self.name = config.name
        self._config = config
        self._scrub = Scrubber([v for v in (config.env or {}).values() if len(v) >= 4])
        self._write_lock = threading.Lock()
        self._stderr: Deque[str] = collections.deque(maxlen=20)
        self._threads: List[threading.Thread] = []
        self._closed = False
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.dispatcher = Dispatcher(self.name, self._send)

    def open(self) -> None:
        """Start the server process and its reader threads.

        Raises:
            MCPServerError: the command could not be started.
        """
        config = self._config
        try:
            self.process = subprocess.Popen(
                [config.command, *config.args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=config.cwd,
                env=server_environment(config.env),
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise MCPServerError(
                server=self.name, message=f"MCP server {self.name!r} could not be started: {exc}"
            ) from None
        assert self.process.stdout is not None and self.process.stderr is not None
        for target, stream in (
            (self._read, self.process.stdout),
            (self._drain, self.process.stderr),
        ):
            thread = threading.Thread(
                target=target, args=(stream,), name=f"modelkit-mcp-{self.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def call(
        self,
        message: Dict[str, Any],
        timeout: Optional[float],
        what: str,
        headers: Optional[Dict[str, str]] = None,
        cancel: bool = True,
    ) -> Dict[str, Any]:
        """Send a request and return its response (see ``Dispatcher.call``; no headers here)."""
        return self.dispatcher.call(message, timeout, what, cancel)

    def notify(self, message: Dict[str, Any]) -> None:
        """Send a notification."""
        self._send(message)

    def _send(self, message: Dict[str, Any]) -> None:
        line = json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n"
        process = self.process
        try:
            with self._write_lock:
                assert process is not None and process.stdin is not None
                process.stdin.write(line.encode("utf-8"))
                process.stdin.flush()
        except (OSError, ValueError) as exc:  # a closed pipe: the server is gone
            failure = self.dispatcher.failure
            if failure is not None:
                raise failure from None
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} stopped reading its input ({exc})",
            ) from None

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            line = stream.readline(MAX_LINE + 1)
            if not line:
                self.dispatcher.fail(self._exited())
                return
            if len(line) > MAX_LINE:
                self._garbage(f"a message over {MAX_LINE} bytes")
                return
            if not line.strip():
                continue
            if self._scrub:  # an env value the server echoes back goes no further
                line = self._scrub.bytes(line)
            try:
                message = check_message(self.name, loads(line))
            except ValueError:
                self._garbage(f"a line that is not JSON: {_shown(line)}")
                return
            except MCPServerError as exc:
                self.dispatcher.fail(exc)
                return
            self.dispatcher.deliver(message)

    def _garbage(self, what: str) -> None:
        self.dispatcher.fail(
            MCPServerError(
                server=self.name, message=f"MCP server {self.name!r} wrote {what} to its stdout"
            )
        )

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in iter(lambda: stream.readline(64 * 1024), b""):
            text = self._scrub.text(raw.decode("utf-8", "replace").rstrip())
            if text:
                self._stderr.append(text)
                logger.debug("MCP server %r: %s", self.name, text)

    def _exited(self) -> MCPServerError:
        process = self.process
        status = None if process is None else exit_status(process, GRACE)
        for thread in self._threads[1:]:
            thread.join(GRACE)  # stderr's last lines
        how = "closed its stdout" if status is None else f"exited with status {status}"
        tail = "\n".join(self._stderr)
        detail = f"; its last stderr lines:\n{tail}" if tail else ""
        return MCPServerError(server=self.name, message=f"MCP server {self.name!r} {how}{detail}")

    def close(self) -> None:
        """Stop the server: close stdin, then SIGTERM, then SIGKILL; always reap it.

        The process is not reaped until its group has been killed, so its
        process-group id cannot have been reused by then.
        """
        process = self.process
        if process is None or self._closed:
            return
        self._closed = True
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        for sig in (None, signal.SIGTERM, _SIGKILL):
            if sig is not None:
                self._signal(process, sig)
            if exit_status(process, GRACE) is not None:
                break
        if os.name == "posix":
            self._signal(process, _SIGKILL)  # what the server left running in its group
        process.wait()
        for thread in self._threads:
            thread.join(GRACE)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        self.dispatcher.fail(
            MCPServerError(server=self.name, message=f"MCP server {self.name!r} was closed")
        )

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
        try:
            if os.name == "posix":
                os.killpg(process.pid, sig)  # its own group: children go too
            else:
                process.send_signal(sig)
        except (ProcessLookupError, PermissionError, OSError):
            pass


def exit_status(process: subprocess.Popen[bytes], seconds: float) -> Optional[int]:
    """The exit status once ``process`` has exited (waiting up to ``seconds``), else ``None``.

    On POSIX the process is not reaped (``WNOWAIT``): ``close`` does that.
    """
    if process.returncode is not None:
        return process.returncode
    if not hasattr(os, "waitid"):
        try:
            return process.wait(seconds)
        except subprocess.TimeoutExpired:
            return None
    end = time.monotonic() + seconds
    while True:
        try:
            found = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped already
            return process.returncode if process.returncode is not None else -1
        if found is not None:
            return found.si_status if found.si_code == os.CLD_EXITED else -found.si_status
        if time.monotonic() >= end:
            return None
        time.sleep(0.02)


def _shown(line: bytes) -> str:
    text = line.decode("utf-8", "replace").strip()
    return repr(text if len(text) <= 200 else text[:200] + "...")
