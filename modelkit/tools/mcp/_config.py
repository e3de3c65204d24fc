"""The MCP server configurations: Inspect's ``MCPServerConfig`` family, as frozen attrs classes.

A configuration says how to reach one server: the command of a stdio
server, or the URL and headers of an HTTP one. Header values are
credentials as often as not, so a configuration's ``repr`` shows their
names only.
"""

from __future__ import annotations

from typing import Dict, List, Literal, Mapping, Optional, Union

import attrs

__all__ = ["MCPServerConfig", "MCPServerConfigHTTP", "MCPServerConfigStdio"]

ToolNames = Union[Literal["all"], List[str]]


def _header_names(headers: Optional[Mapping[str, str]]) -> str:
    if headers is None:
        return "None"
    return "{" + ", ".join(f"{name!r}: '[redacted]'" for name in headers) + "}"


@attrs.frozen(kw_only=True)
class MCPServerConfig:
    """How to reach an MCP server (Inspect's base configuration).

    Args:
        type: ``"stdio"``, ``"http"`` (Streamable HTTP) or ``"sse"`` (HTTP+SSE).
        name: a human-readable name, used in errors and logs.
        tools: the tools to offer: ``"all"`` or names and glob patterns.
    """

    type: Literal["stdio", "http", "sse"]
    name: str
    tools: ToolNames = "all"


@attrs.frozen(kw_only=True)
class MCPServerConfigStdio(MCPServerConfig):
    """A server run as a child process, speaking JSON-RPC on its stdin and stdout.

    Args:
        command: the executable.
        args: its arguments.
        cwd: its working directory.
        env: variables set for it, over a small safe set inherited from
            this process (``PATH``, ``HOME``, ``LANG``...), as the MCP SDKs do.
    """

    type: Literal["stdio"] = "stdio"
    command: str
    args: List[str] = attrs.field(factory=list)
    cwd: Optional[str] = None
    env: Optional[Dict[str, str]] = attrs.field(default=None, repr=_header_names)


@attrs.frozen(kw_only=True)
class MCPServerConfigHTTP(MCPServerConfig):
    """A server reached over HTTP (Streamable HTTP, or the older HTTP+SSE).

    Args:
        url: the server's endpoint (for ``"sse"``: its event-stream URL).
        headers: headers sent with every request (often a credential:
            never shown in a repr, an error or a log line).
    """

    type: Literal["http", "sse"]
    url: str
    headers: Optional[Dict[str, str]] = attrs.field(default=None, repr=_header_names)

    @property
    def authorization_token(self) -> Optional[str]:
        """The token of the ``Authorization`` header, without ``Bearer``."""
        if not self.headers or "Authorization" not in self.headers:
            return None
        value = str(self.headers["Authorization"])
        return value[7:] if value.upper().startswith("BEARER ") else value
