"""The Streamable HTTP transport against a scripted loopback server: what goes on the wire.

Shapes follow https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
(POST with ``Accept: application/json, text/event-stream``, ``Mcp-Session-Id``
from the initialize response sent back on every request, ``MCP-Protocol-Version``
after the handshake, ``202`` for notifications, JSON or an event stream per
answer, ``404`` meaning the session expired, ``DELETE`` to end it) and
/server/tools (``tools/list`` pages with ``nextCursor``).
"""

from __future__ import annotations

import json
import socket
from typing import Any, Dict, List

import pytest
from loopback import LoopbackServer, Received, Reply

from modelkit import (
    ChatMessageAssistant,
    MCPServerError,
    MCPTimeoutError,
    ToolCall,
    ToolDef,
    execute_tools,
    mcp_server_http,
)
from modelkit.errors import ConfigError


def _tool(name: str) -> Dict[str, Any]:
    properties = {"x": {"type": "integer"}, "y": {"type": "integer"}}
    return {
        "name": name,
        "description": name,
        "inputSchema": {"type": "object", "properties": properties},
    }


def sse(*messages: Dict[str, Any]) -> Reply:
    body = "".join(f"event: message\ndata: {json.dumps(m)}\n\n" for m in messages)
    return Reply(body=body, headers={"Content-Type": "text/event-stream"})


class FakeMCP:
    """Answers as an MCP server would: JSON, or event streams when asked to."""

    def __init__(self, version: str = "2025-06-18", expire_first_call: bool = False) -> None:
        self.version = version
        self.sessions = 0
        self.expire = expire_first_call

    def __call__(self, received: Received) -> Reply:
        if received.method != "POST":
            return Reply(status=405, body="")
        message = received.json()
        method = message.get("method")
        if method == "initialize":
            self.sessions += 1
            result = {"protocolVersion": self.version, "capabilities": {}, "serverInfo": {}}
            return Reply(
                body={"jsonrpc": "2.0", "id": message["id"], "result": result},
                headers={"Mcp-Session-Id": f"sess-{self.sessions}"},
            )
        if "id" not in message or method is None:  # a notification, or our answer to a ping
            return Reply(status=202, body="")
        if method == "tools/list":
            cursor = (message.get("params") or {}).get("cursor")
            page: Dict[str, Any] = {"tools": [_tool("a")], "nextCursor": "p2"}
            if cursor == "p2":
                page = {"tools": [_tool("b")]}
            ping = {"jsonrpc": "2.0", "id": 99, "method": "ping"}
            return sse(ping, {"jsonrpc": "2.0", "id": message["id"], "result": page})
        if method == "tools/call":
            if self.expire:
                self.expire = False
                return Reply(status=404, body="no such session")
            text = json.dumps(message["params"]["arguments"])
            result = {"content": [{"type": "text", "text": text}]}
            return Reply(body={"jsonrpc": "2.0", "id": message["id"], "result": result})
        return Reply(status=400, body="")


def call(name: str, **arguments: Any) -> ChatMessageAssistant:
    return ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c", function=name, arguments=arguments)]
    )


def posts(server: LoopbackServer) -> List[Received]:
    return [r for r in server.requests if r.method == "POST"]


def test_session_id_version_header_streams_and_pages() -> None:
    with LoopbackServer(default=FakeMCP()) as loop:
        server = mcp_server_http(url=f"{loop.url}/mcp", headers={"X-Team": "blue"})
        with server:
            tools = server.tools()
            messages, _ = execute_tools([call("b", x=1)], tools)
        sent = posts(loop)
    assert [ToolDef(t).name for t in tools] == ["a", "b"]
    assert messages[0].text == '{"x": 1}'
    kinds = [r.json().get("method", "reply") for r in sent]
    assert kinds == [
        "server/discover",  # the dual-era probe: a 400 without a JSON-RPC error means legacy
        "initialize",
        "notifications/initialized",
        "tools/list",
        "reply",  # our answer to the server's ping, on its own POST
        "tools/list",
        "reply",
        "tools/call",
    ]
    probe, first, later = sent[0], sent[1], sent[2:]
    assert probe.headers["mcp-protocol-version"] == "2026-07-28"
    assert probe.headers["mcp-method"] == "server/discover"
    assert "mcp-session-id" not in first.headers and "mcp-protocol-version" not in first.headers
    assert all(r.headers["mcp-session-id"] == "sess-1" for r in later)
    assert all(r.headers["mcp-protocol-version"] == "2025-06-18" for r in later)
    assert not any("mcp-method" in r.headers for r in sent[1:])  # 2026-07-28's headers only
    assert all(r.headers["accept"] == "application/json, text/event-stream" for r in sent)
    assert all(r.headers["x-team"] == "blue" for r in sent)
    assert sent[4].json() == {"jsonrpc": "2.0", "id": 99, "result": {}}
    assert "params" not in sent[3].json()  # the first page: no cursor
    assert sent[5].json()["params"] == {"cursor": "p2"}


@pytest.mark.parametrize("connected", [True, False])
def test_an_expired_session_is_opened_again_once(connected: bool) -> None:
    fake = FakeMCP(expire_first_call=True)
    with LoopbackServer(default=fake) as loop:
        server = mcp_server_http(url=f"{loop.url}/mcp")
        if connected:
            with server:
                messages, _ = execute_tools([call("a", y=2)], server.tools())
        else:  # a session per use: the listing's, then the call's, then its replacement
            messages, _ = execute_tools([call("a", y=2)], server.tools())
        sent = posts(loop)
    assert messages[0].text == '{"y": 2}'
    calls = [r for r in sent if r.json().get("method") == "tools/call"]
    if connected:
        assert fake.sessions == 2
        assert [r.headers["mcp-session-id"] for r in calls] == ["sess-1", "sess-2"]
    else:
        assert fake.sessions == 3
        assert [r.headers["mcp-session-id"] for r in calls] == ["sess-2", "sess-3"]


def test_a_server_trickling_keepalives_cannot_hold_a_call_past_its_timeout() -> None:
    fake = FakeMCP()

    def answer(received: Received) -> Reply:
        if received.method == "POST" and received.json().get("method") == "tools/call":
            body = ": keep-alive\n\n" * 400
            return Reply(
                body=body, headers={"Content-Type": "text/event-stream"}, trickle=(14, 0.05)
            )
        return fake(received)

    with LoopbackServer(default=answer) as loop:
        server = mcp_server_http(url=f"{loop.url}/mcp", sse_read_timeout=0.5)
        with server:
            tools = server.tools()
            with pytest.raises(MCPTimeoutError, match=r"did not answer tools/call 'a' within 0.5s"):
                execute_tools([call("a")], tools)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            Reply(body="<html>oops</html>", headers={"Content-Type": "text/html"}),
            "content type 'text/html'",
        ),
        (Reply(body="not json"), "invalid JSON: 'not json'"),
        (Reply(body={"jsonrpc": "1.0", "id": 1}), "not JSON-RPC 2.0"),
        (
            Reply(status=302, body="", headers={"Location": "http://example.invalid/"}),
            r"redirected server/discover \(HTTP 302\)",
        ),
        (
            Reply(status=500, body="trace: key=k-sup3r-secret-key"),
            r"HTTP 500: trace: key=\[redacted\]",
        ),
    ],
)
def test_bad_answers_are_clear_errors_without_credentials(reply: Reply, message: str) -> None:
    with LoopbackServer(default=reply) as loop:
        server = mcp_server_http(
            name="scripted", url=f"{loop.url}/mcp", headers={"X-Api-Key": "k-sup3r-secret-key"}
        )
        with pytest.raises(MCPServerError, match=message) as caught:
            server.tools()
    assert "k-sup3r-secret-key" not in str(caught.value)
    assert caught.value.server == "scripted"


def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = mcp_server_http(url=f"http://127.0.0.1:{port}/mcp?token=abc-secret-123")
    assert "abc-secret-123" not in server.name  # type: ignore[attr-defined]
    with pytest.raises(MCPServerError, match="could not be reached") as caught:
        server.tools()
    assert "abc-secret-123" not in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "ftp://x"}, "needs an http"),
        ({"url": "http://x", "execution": "remote"}, "execution='remote'"),
        ({"url": "http://x", "timeout": -1}, "timeout must be a positive"),
        ({"url": "http://x", "sse_read_timeout": float("inf")}, "sse_read_timeout must be"),
    ],
)
def test_bad_http_arguments_are_config_errors(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        mcp_server_http(**kwargs)


def test_the_authorization_header_stays_out_of_reprs() -> None:
    server = mcp_server_http(url="http://127.0.0.1:9/mcp", authorization="tok-abc-123")
    config = server.config  # type: ignore[attr-defined]
    assert config.headers == {"Authorization": "Bearer tok-abc-123"}
    assert config.authorization_token == "tok-abc-123"
    assert "tok-abc" not in repr(server) and "tok-abc" not in repr(config)
    assert "'Authorization': '[redacted]'" in repr(config)


def test_a_stateless_2026_server_gets_its_routing_headers_and_no_session() -> None:
    """2026-07-28 over HTTP: the server/discover probe answered, then stateless requests
    carrying MCP-Protocol-Version, Mcp-Method and, for tools/call, Mcp-Name."""

    def answer(received: Received) -> Reply:
        message = received.json()
        method = message.get("method")
        if method == "server/discover":
            result = {"supportedVersions": ["2026-07-28"], "capabilities": {}}
        elif method == "tools/list":
            result = {"tools": [_tool("a")]}
        elif method == "tools/call" and message["params"]["arguments"].get("x") == 0:
            error = {"code": -32602, "message": "x must not be 0"}
            return Reply(status=400, body={"jsonrpc": "2.0", "id": message["id"], "error": error})
        else:
            result = {"content": [{"type": "text", "text": "ok"}], "resultType": "complete"}
        return Reply(body={"jsonrpc": "2.0", "id": message["id"], "result": result})

    with LoopbackServer(default=answer) as loop:
        server = mcp_server_http(url=f"{loop.url}/mcp")
        with server:
            tools = server.tools()
            good, _ = execute_tools([call("a", x=1)], tools)
            bad, _ = execute_tools([call("a", x=0)], tools)
        sent = posts(loop)
    assert good[0].text == "ok"
    assert bad[0].error is not None and bad[0].error.message == "x must not be 0"
    assert [r.json()["method"] for r in sent] == [
        "server/discover",
        "tools/list",
        "tools/call",
        "tools/call",
    ]
    for received in sent:
        assert received.headers["mcp-protocol-version"] == "2026-07-28"
        assert received.headers["mcp-method"] == received.json()["method"]
        assert "mcp-session-id" not in received.headers
        meta = received.json()["params"]["_meta"]
        assert meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"
    assert [r.headers.get("mcp-name") for r in sent] == [None, None, "a", "a"]


def test_http_sse_refuses_an_endpoint_on_another_origin() -> None:
    """HTTP+SSE (2024-11-05): the ``endpoint`` event may not send our headers elsewhere."""
    from modelkit import mcp_server_sse

    stream = "event: endpoint\ndata: http://198.51.100.7/messages?session=1\n\n"
    reply = Reply(body=stream, headers={"Content-Type": "text/event-stream"})
    with LoopbackServer(default=reply) as loop:
        server = mcp_server_sse(url=f"{loop.url}/sse", authorization="tok-xyz-789", timeout=5)
        with pytest.raises(MCPServerError, match="named an endpoint on another origin; refused"):
            server.tools()
        assert all(r.method == "GET" for r in loop.requests)  # nothing was posted there


def test_http_sse_without_an_endpoint_event_times_out() -> None:
    from modelkit import mcp_server_sse

    reply = Reply(body=": waiting\n\n", headers={"Content-Type": "text/event-stream"}, delay=3)
    with LoopbackServer(default=reply) as loop:
        server = mcp_server_sse(name="slow", url=f"{loop.url}/sse", timeout=0.5)
        with pytest.raises(MCPTimeoutError, match="'slow' sent no endpoint event within 0.5s"):
            server.tools()
