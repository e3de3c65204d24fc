"""How a session opens: which MCP revision, agreed the way each revision's spec says.

Two eras (https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning):
the handshake revisions (2024-11-05 to 2025-11-25) open with ``initialize``
and ``notifications/initialized``; the stateless 2026-07-28 has no
handshake, every request carrying the protocol version, the client's
capabilities and its name in ``params._meta``, and ``server/discover``
listing what the server speaks. modelkit speaks both (a dual-era client):

- ``auto`` (the default) probes with ``server/discover`` at 2026-07-28,
  as the stdio binding says a dual-era client should and as the HTTP one
  allows. A ``DiscoverResult`` listing 2026-07-28 makes the session modern.
  A recognised modern error (``-32020``, ``-32021``, or ``-32022`` naming
  only versions modelkit does not speak) is final: no fallback. Anything
  else — another JSON-RPC error (legacy servers answer unknown requests
  before ``initialize`` with ``-32601``, ``-32602`` or others), an HTTP 4xx
  without a JSON-RPC error, or, on stdio, no answer within ``PROBE_TIMEOUT``
  — means a legacy server: the handshake follows, offering ``LATEST``.
- a handshake version (``2025-06-18``...) skips the probe and offers it;
  ``2026-07-28`` skips the handshake. The HTTP+SSE transport (2024-11-05
  only) always shakes hands.

The handshake's answer must name a version in ``SUPPORTED_VERSIONS`` or
the session ends with an error naming both sides' versions. A handshake
refused with ``-32022`` listing 2026-07-28 (a modern server that a late
probe answer did not reach) switches to ``server/discover``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Protocol

from ...errors import MCPServerError, MCPTimeoutError
from ._rpc import Rejected, RPCError, notification, result_of

__all__ = [
    "HEADER_MISMATCH",
    "LATEST",
    "MISSING_CAPABILITY",
    "MODERN",
    "PROBE_TIMEOUT",
    "SUPPORTED_VERSIONS",
    "UNSUPPORTED_VERSION",
    "open_session",
]

SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
"""The handshake revisions modelkit speaks, newest first."""

LATEST = SUPPORTED_VERSIONS[0]

MODERN = "2026-07-28"
"""The stateless revision modelkit speaks (no handshake: metadata on every request)."""

PROBE_TIMEOUT = 10.0
"""Seconds a stdio server has to answer the ``server/discover`` probe before it counts as legacy."""

HEADER_MISMATCH = -32020
MISSING_CAPABILITY = -32021
UNSUPPORTED_VERSION = -32022
_MODERN_ERRORS = (HEADER_MISMATCH, MISSING_CAPABILITY, UNSUPPORTED_VERSION)


class Session(Protocol):
    """What opening needs of a session (``_session.Session``)."""

    transport: Any
    name: str
    timeout: Optional[float]
    version: Optional[str]
    server_info: Dict[str, Any]
    client_info: Dict[str, str]

    def request(self, method: str, params: Optional[Dict[str, Any]]) -> Dict[str, Any]: ...

    def malformed(self, method: str, what: str) -> MCPServerError: ...


def open_session(session: Session, protocol: Optional[str]) -> None:
    """Agree on a revision with the server (``protocol``: ``None`` for auto, or a version)."""
    if protocol == MODERN:
        _discover(session)
    elif protocol is not None:
        _initialize(session, protocol)
    elif getattr(session.transport, "kind", "") == "sse":
        _initialize(session, LATEST)
    elif not _probe(session):
        _initialize(session, LATEST)


def _probe(session: Session) -> bool:
    """``server/discover`` at 2026-07-28: whether the server is modern (then adopted)."""
    stdio = getattr(session.transport, "kind", "") == "stdio"
    limit = session.timeout
    if stdio:
        limit = PROBE_TIMEOUT if limit is None else min(limit, PROBE_TIMEOUT)
    _use(session, MODERN)
    try:
        response = _send_discover(session, limit)
    except MCPTimeoutError:
        if not stdio:
            raise
        _use(session, None)
        return False
    except Rejected:
        _use(session, None)
        return False
    try:
        result = result_of(session.name, response)
    except RPCError as exc:
        if exc.code in _MODERN_ERRORS and not (
            exc.code == UNSUPPORTED_VERSION and set(_supported(exc)) & set(SUPPORTED_VERSIONS)
        ):
            raise _refused(session, exc, "server/discover") from None
        _use(session, None)
        return False
    versions = result.get("supportedVersions") if isinstance(result, dict) else None
    if not isinstance(versions, list) or MODERN not in versions:
        _use(session, None)  # a discover answer listing no modern version: a legacy server
        return False
    _adopt(session, result)
    return True


def _discover(session: Session) -> None:
    """Open the session with 2026-07-28: ``server/discover``, which must list it."""
    _use(session, MODERN)
    response = _send_discover(session, session.timeout)
    try:
        result = result_of(session.name, response)
    except RPCError as exc:
        raise _refused(session, exc, "server/discover") from None
    versions = result.get("supportedVersions") if isinstance(result, dict) else None
    if not isinstance(versions, list) or MODERN not in versions:
        raise MCPServerError(
            server=session.name,
            message=f"MCP server {session.name!r} answered server/discover without listing "
            f"{MODERN} among its versions ({versions!r})",
        )
    _adopt(session, result)


def _send_discover(session: Session, timeout: Optional[float]) -> Dict[str, Any]:
    message = session.request("server/discover", None)
    response: Dict[str, Any] = session.transport.call(
        message, timeout, "server/discover", cancel=False
    )
    return response


def _adopt(session: Session, result: Dict[str, Any]) -> None:
    found = result.get("_meta")
    meta: Dict[str, Any] = found if isinstance(found, dict) else {}
    info = meta.get("io.modelcontextprotocol/serverInfo", result.get("serverInfo"))
    session.server_info = info if isinstance(info, dict) else {}


def _initialize(session: Session, offered: str) -> None:
    params = {"protocolVersion": offered, "capabilities": {}, "clientInfo": session.client_info}
    message = session.request("initialize", params)
    response = session.transport.call(message, session.timeout, "initialize", cancel=False)
    try:
        result = result_of(session.name, response)
    except RPCError as exc:
        if exc.code == UNSUPPORTED_VERSION and MODERN in _supported(exc):
            _discover(session)
            return
        raise _refused(session, exc, "initialize") from None
    version = result.get("protocolVersion") if isinstance(result, dict) else None
    if not isinstance(version, str):
        raise session.malformed("initialize", "no protocolVersion")
    if version not in SUPPORTED_VERSIONS:
        raise MCPServerError(
            server=session.name,
            message=f"MCP server {session.name!r} speaks MCP {version}; modelkit speaks "
            f"{', '.join((MODERN, *SUPPORTED_VERSIONS))}",
        )
    _use(session, version)
    info = result.get("serverInfo")
    session.server_info = info if isinstance(info, dict) else {}
    session.transport.notify(notification("notifications/initialized"))


def _use(session: Session, version: Optional[str]) -> None:
    """Speak ``version`` from now on (``None``: none agreed yet)."""
    session.version = version
    session.transport.version = version  # HTTP sends it as a header
    dispatcher = getattr(session.transport, "dispatcher", None)
    if dispatcher is not None:  # 2026-07-28: the server sends no requests, the client no answers
        dispatcher.answer_requests = version != MODERN


def _refused(session: Session, exc: RPCError, method: str) -> MCPServerError:
    supported = _supported(exc)
    if exc.code == UNSUPPORTED_VERSION and supported:
        return MCPServerError(
            server=session.name,
            message=f"MCP server {session.name!r} speaks only MCP {', '.join(supported)}; "
            f"modelkit speaks {', '.join((MODERN, *SUPPORTED_VERSIONS))}",
        )
    return MCPServerError(
        server=session.name,
        message=f"MCP server {session.name!r} refused {method}: {exc.message}",
    )


def _supported(exc: RPCError) -> List[str]:
    """The versions a ``-32022`` error says the server supports."""
    found = exc.data.get("supported") if isinstance(exc.data, dict) else None
    return [str(v) for v in found] if isinstance(found, list) else []
