"""The MCP functions Inspect users call: ``mcp_server_*``, ``mcp_tools``, ``mcp_connection``.

Arguments are checked here, so a bad URL, command or timeout is a
``ConfigError`` at once, not a failure at the first call. A server's
default name is its command line, or its URL with any credential in it
redacted.
"""

from __future__ import annotations

import contextlib
import fnmatch
import math
from pathlib import Path
from typing import Any, Dict, Iterator, List, Literal, Optional, Sequence, Union
from urllib.parse import urlsplit

from ...errors import ConfigError
from .._function import ToolDef
from ._config import MCPServerConfigHTTP, MCPServerConfigStdio, ToolNames
from ._server import MCPServer, MCPServerLocal
from ._web import shown_url

__all__ = ["mcp_connection", "mcp_server_http", "mcp_server_sse", "mcp_server_stdio", "mcp_tools"]

DEFAULT_STDIO_TIMEOUT = 300.0
"""Seconds a stdio server has to answer one request, unless told otherwise."""


def mcp_server_stdio(
    *,
    name: Optional[str] = None,
    command: str,
    args: Optional[Sequence[str]] = None,
    cwd: Union[str, Path, None] = None,
    env: Optional[Dict[str, str]] = None,
    timeout: float = DEFAULT_STDIO_TIMEOUT,
) -> MCPServer:
    """An MCP server run as a child process, speaking on its stdin and stdout.

    Args:
        name: a name for errors and logs (default: the command line).
        command: the executable to run.
        args: its arguments.
        cwd: its working directory.
        env: variables for it, over ``PATH``, ``HOME``, ``USER``, ``SHELL``,
            ``TERM`` and ``LOGNAME`` inherited from this process.
        timeout: seconds the server has to start and to answer each request
            (tool calls included); past it an ``MCPTimeoutError`` names the server.

    Raises:
        ConfigError: a missing command, arguments that are not strings, or
            a timeout that is not positive and finite.
    """
    if not isinstance(command, str) or not command:
        raise ConfigError("mcp_server_stdio() needs command=, the executable to run")
    arguments = list(args or [])
    if not all(isinstance(a, str) for a in arguments):
        raise ConfigError("mcp_server_stdio(): args must be a list of strings")
    _check_timeout("timeout", timeout)
    config = MCPServerConfigStdio(
        name=name or " ".join([command, *arguments]),
        command=command,
        args=arguments,
        cwd=None if cwd is None else str(cwd),
        env=dict(env) if env is not None else None,
    )
    from ._stdio import StdioTransport

    return MCPServerLocal(config, lambda: StdioTransport(config), timeout, timeout)


def mcp_server_http(
    *,
    name: Optional[str] = None,
    url: str,
    execution: Literal["local", "remote"] = "local",
    authorization: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = 5,
    sse_read_timeout: float = 60 * 5,
) -> MCPServer:
    """An MCP server reached over Streamable HTTP (the current HTTP transport).

    Args:
        name: a name for errors and logs (default: the URL without its query,
            credentials redacted).
        url: the server's MCP endpoint.
        execution: ``"local"`` (modelkit calls the server); ``"remote"``
            (the provider does) is not supported yet.
        authorization: a bearer token, sent as ``Authorization: Bearer ...``.
        headers: headers sent with every request.
        timeout: seconds to connect and send, and for ``initialize`` and
            ``tools/list`` to be answered.
        sse_read_timeout: seconds a tool call has to be answered.

    Raises:
        ConfigError: a URL that is not http(s), ``execution="remote"``, or
            a timeout that is not positive and finite.
    """
    return _http_server(
        "http", name, url, execution, authorization, headers, timeout, sse_read_timeout
    )


def mcp_server_sse(
    *,
    name: Optional[str] = None,
    url: str,
    execution: Literal["local", "remote"] = "local",
    authorization: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = 5,
    sse_read_timeout: float = 60 * 5,
) -> MCPServer:
    """An MCP server reached over HTTP+SSE (the 2024-11-05 transport; prefer ``mcp_server_http``).

    Args:
        name: a name for errors and logs (default: the URL without its query,
            credentials redacted).
        url: the server's event-stream URL.
        execution: ``"local"`` only, as for ``mcp_server_http``.
        authorization: a bearer token, sent as ``Authorization: Bearer ...``.
        headers: headers sent with every request.
        timeout: seconds to connect, to receive the endpoint, to send, and
            for ``initialize`` and ``tools/list`` to be answered.
        sse_read_timeout: seconds a tool call has to be answered, and the
            longest the event stream may stay silent.

    Raises:
        ConfigError: as ``mcp_server_http``.
    """
    return _http_server(
        "sse", name, url, execution, authorization, headers, timeout, sse_read_timeout
    )


def _http_server(
    kind: Literal["http", "sse"],
    name: Optional[str],
    url: str,
    execution: str,
    authorization: Optional[str],
    headers: Optional[Dict[str, str]],
    timeout: float,
    read_timeout: float,
) -> MCPServer:
    if execution != "local":
        raise ConfigError(
            f"mcp_server_{kind}(execution={execution!r}) is not supported: modelkit runs MCP "
            "servers itself (execution='local')"
        )
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"mcp_server_{kind}() needs an http(s) url, got {shown_url(str(url))!r}")
    _check_timeout("timeout", timeout)
    _check_timeout("sse_read_timeout", read_timeout)
    sent = dict(headers or {})
    if authorization is not None:
        sent["Authorization"] = f"Bearer {authorization}"
    config = MCPServerConfigHTTP(
        type=kind, name=name or shown_url(url), url=url, headers=sent or None
    )
    if kind == "http":
        from ._http import HTTPTransport

        return MCPServerLocal(
            config, lambda: HTTPTransport(config, timeout, read_timeout), timeout, read_timeout
        )
    from ._sse import SSETransport

    return MCPServerLocal(
        config, lambda: SSETransport(config, timeout, read_timeout), timeout, read_timeout
    )


def _check_timeout(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ConfigError(f"{name} must be a positive, finite number of seconds, got {value!r}")


class MCPToolSource:
    """Some of one server's tools (``mcp_tools``); a context manager like its server."""

    def __init__(self, server: MCPServer, tools: ToolNames) -> None:
        self.server = server
        self.patterns = tools

    def __repr__(self) -> str:
        return f"mcp_tools({self.server!r}, tools={self.patterns!r})"

    def tools(self) -> List[Any]:
        """The server's tools whose names match (``"all"``: every one)."""
        found = self.server.tools()
        if self.patterns == "all":
            return found
        return [
            t for t in found if any(fnmatch.fnmatchcase(ToolDef(t).name, p) for p in self.patterns)
        ]

    def __enter__(self) -> MCPToolSource:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.__exit__(*exc)


def mcp_tools(server: MCPServer, *, tools: ToolNames = "all") -> MCPToolSource:
    """The tools of ``server``, all or those named (glob patterns allowed).

    Raises:
        ConfigError: ``server`` is not an ``MCPServer``, or ``tools`` is
            neither ``"all"`` nor a list of names.
    """
    if not isinstance(server, MCPServer):
        raise ConfigError(f"mcp_tools() needs an MCPServer, got {type(server).__name__}")
    if tools != "all" and (isinstance(tools, str) or not all(isinstance(t, str) for t in tools)):
        raise ConfigError(f'mcp_tools(tools=...) takes "all" or a list of names, got {tools!r}')
    return MCPToolSource(server, tools if tools == "all" else list(tools))


@contextlib.contextmanager
def mcp_connection(tools: Any) -> Iterator[None]:
    """Keep the MCP servers among ``tools`` connected for the ``with`` block.

    Args:
        tools: a list of tools and tool sources (or one source); each
            ``MCPServer`` and ``mcp_tools(...)`` in it is connected once.
    """
    items = tools if isinstance(tools, Sequence) and not isinstance(tools, str) else [tools]
    servers: List[MCPServer] = []
    for item in items:
        server = item.server if isinstance(item, MCPToolSource) else item
        if isinstance(server, MCPServer) and all(server is not s for s in servers):
            servers.append(server)
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        yield
