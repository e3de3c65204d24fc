"""The MCP client against loopback servers of each of the last three spec revisions.

``mcp_fake_http.FakeHTTP`` speaks Streamable HTTP as each revision's
transport page shows it:
https://modelcontextprotocol.io/specification/2025-06-18/basic/transports,
/specification/2025-11-25/basic/transports (sessions, the protocol version
header, server requests on a request's stream, resumability with
``Last-Event-ID``, the 2025-11-25 priming event and ``retry``), and
/specification/2026-07-28/basic/transports/streamable-http (no sessions,
``Mcp-Method``/``Mcp-Name``/``Mcp-Param-*`` checked against the body,
``x-mcp-header``, the Base64 sentinel, ``HeaderMismatch``), with
/specification/2026-07-28/basic/versioning (the dual-era probe) and
/basic/patterns/mrtr (``InputRequiredResult``). What the client must do is
read off the requests the server saw.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any, List

import pytest
from mcp_fake_http import MODERN, FakeHTTP, Seen

from modelkit import (
    ChatMessageAssistant,
    ChatMessageTool,
    MCPServerError,
    MCPTimeoutError,
    ToolCall,
    ToolDef,
    execute_tools,
    mcp_server_http,
)

LEGACY = ["2025-06-18", "2025-11-25"]


def call(name: str, **arguments: Any) -> ChatMessageAssistant:
    return ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c", function=name, arguments=arguments)]
    )


def run(server: Any, name: str, **arguments: Any) -> ChatMessageTool:
    messages, _ = execute_tools([call(name, **arguments)], server.tools())
    message = messages[0]
    assert isinstance(message, ChatMessageTool)
    return message


def methods(seen: List[Seen]) -> List[str]:
    """What each request was, leaving out the session's GET stream (opened in a thread)."""
    return [
        r.body.get("method", "reply") if r.body else r.method
        for r in seen
        if r.method != "GET" or "last-event-id" in r.headers
    ]


@pytest.mark.parametrize("revision", LEGACY)
def test_a_handshake_revision_gets_a_session_and_its_version_header(revision: str) -> None:
    with FakeHTTP(revision) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            assert server._session.version == revision  # type: ignore[attr-defined]
            assert run(server, "add", a=41).text == "42"
    seen = fake.requests
    assert methods(seen) == [
        "server/discover",  # the probe: 400 with a JSON-RPC error that is not a modern one
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/call",
        "DELETE",
    ]
    assert "mcp-session-id" not in seen[1].headers
    assert "mcp-protocol-version" not in seen[1].headers  # not before the version is agreed
    for later in seen[2:]:
        assert later.headers["mcp-session-id"] == "session-1"
        assert later.headers["mcp-protocol-version"] == revision
        assert "mcp-method" not in later.headers


@pytest.mark.parametrize("revision", LEGACY)
def test_server_requests_mid_call_are_answered_and_the_call_completes(revision: str) -> None:
    """ping gets {}; sampling, elicitation and roots get -32601 (no capability declared)."""
    with FakeHTTP(revision) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        answers = json.loads(run(server, "ask", a=1).text)
    assert answers == {
        "elicitation/create": -32601,
        "ping": {},
        "roots/list": -32601,
        "sampling/createMessage": -32601,
    }
    replies = [r for r in fake.posted() if "method" not in r.body]
    assert sorted(r.body["id"] for r in replies) == ["q1", "q2", "q3", "q4"]
    for reply in replies:  # each answer a POST of its own, in the session, at the version
        assert reply.headers["mcp-session-id"] and reply.headers["mcp-protocol-version"] == revision


@pytest.mark.parametrize("revision", LEGACY)
def test_a_stream_cut_after_an_event_id_is_resumed_with_last_event_id(revision: str) -> None:
    """The server closes the stream after its priming event, then replays the rest one event
    per GET: the client waits ``retry`` and resumes from the last id each time."""
    with FakeHTTP(revision) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            assert run(server, "poll", a=1).text == "polled"
    gets = [r for r in fake.requests if r.method == "GET" and "last-event-id" in r.headers]
    stream = gets[0].headers["last-event-id"].rsplit("-", 1)[0]
    assert [r.headers["last-event-id"] for r in gets] == [f"{stream}-0", f"{stream}-1"]
    for get in gets:
        assert get.headers["accept"] == "text/event-stream"
        assert get.headers["mcp-session-id"] == "session-1"
        assert get.headers["mcp-protocol-version"] == revision
    calls = [r for r in fake.posted() if r.body.get("method") == "tools/call"]
    assert len(calls) == 1  # resumed, not sent again


def test_a_stream_cut_with_no_event_id_is_a_clear_error() -> None:
    with FakeHTTP("2025-11-25") as fake:
        server = mcp_server_http(name="cutter", url=fake.url, timeout=10)
        with pytest.raises(
            MCPServerError, match="'cutter' ended the event stream without answering"
        ):
            run(server, "cut", a=1)
    assert not [r for r in fake.requests if "last-event-id" in r.headers]


def test_the_2026_revision_stateless_with_its_request_headers(caplog: Any) -> None:
    caplog.set_level("WARNING", logger="modelkit")
    with FakeHTTP(MODERN) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            assert server._session.version == MODERN  # type: ignore[attr-defined]
            names = [ToolDef(t).name for t in server.tools()]
            query = run(server, "query", region="us-west1", opts={"tenant": 42}, sql="SELECT 1")
            no_tenant = run(server, "query", region=" padded ", sql="x")
            greeting = run(server, "grüße", a=1)
    assert "bad" not in names and names[0] == "query"
    assert (
        "tool 'bad' left out: x-mcp-header on xs is not reached through properties" in caplog.text
    )
    assert query.error is None and query.text.startswith("query ")
    assert no_tenant.error is None and greeting.text == 'grüße {"a": 1}'
    seen = fake.requests
    assert methods(seen) == ["server/discover", "tools/list", *["tools/call"] * 3]
    for request in seen:  # no session, no handshake, no GET or DELETE
        assert request.headers["mcp-protocol-version"] == MODERN
        assert request.headers["mcp-method"] == request.body["method"]
        assert "mcp-session-id" not in request.headers
        meta = request.body["params"]["_meta"]
        assert meta["io.modelcontextprotocol/protocolVersion"] == MODERN
        assert meta["io.modelcontextprotocol/clientCapabilities"] == {}
    first, second, third = seen[2:]
    assert (first.headers["mcp-param-region"], first.headers["mcp-param-tenant"]) == (
        "us-west1",
        "42",
    )
    assert second.headers["mcp-param-region"] == "=?base64?IHBhZGRlZCA=?="  # the spec's example
    assert "mcp-param-tenant" not in second.headers  # no value, no header
    assert (
        third.headers["mcp-name"]
        == "=?base64?" + base64.b64encode("grüße".encode()).decode() + "?="
    )


def test_the_2026_revision_retries_state_only_input_required_and_reports_asked_input() -> None:
    with FakeHTTP(MODERN) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            shed = run(server, "shed", a=1)
            ask = run(server, "ask", a=1)
            anyway = run(server, "ask-anyway", a=1)
    assert shed.error is None and shed.text == 'shed {"a": 1}'
    calls = [r.body for r in fake.posted() if r.body["params"].get("name") == "shed"]
    assert [c["params"].get("requestState") for c in calls] == [None, "state-1", "state-2"]
    assert len({c["id"] for c in calls}) == 3  # each retry a new request
    assert all(c["params"]["arguments"] == {"a": 1} for c in calls)
    assert ask.error is not None and ask.error.message == "This tool needs elicitation"
    assert anyway.error is not None and "(elicitation/create)" in anyway.error.message
    assert "declares no sampling, elicitation or roots capability" in anyway.error.message


def test_a_broken_2026_stream_is_sent_again_as_a_new_request() -> None:
    with FakeHTTP(MODERN) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            flaky = run(server, "flaky", a=1)
    calls = [r.body for r in fake.posted() if r.body["params"].get("name") == "flaky"]
    assert len(calls) == 2 and calls[0]["id"] != calls[1]["id"]
    assert flaky.text == f"flaky {calls[1]['id']}"
    assert not [r for r in fake.requests if r.method == "GET"]  # no resumption on 2026-07-28


def test_a_header_mismatch_reads_the_tools_again_and_retries_once() -> None:
    """The tool gained an x-mcp-header after it was listed: -32020, then list and retry."""
    with FakeHTTP(MODERN, header_added_later=True) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            answer = run(server, "query", region="eu", sql="x")
    assert answer.error is None
    sent = methods(fake.posted())
    assert sent == ["server/discover", "tools/list", "tools/call", "tools/list", "tools/call"]
    first, retry = [r for r in fake.posted() if r.body["method"] == "tools/call"]
    assert "mcp-param-region" not in first.headers and retry.headers["mcp-param-region"] == "eu"


def test_a_legacy_server_is_remembered_and_not_probed_again() -> None:
    with FakeHTTP("2025-11-25") as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        assert run(server, "add", a=1).text == "2"  # a session to list, one to call
    assert methods(fake.requests).count("server/discover") == 1
    assert methods(fake.requests).count("initialize") == 2


@pytest.mark.parametrize("revision", LEGACY)
def test_the_sessions_get_stream_answers_the_server_and_closes_with_the_session(
    revision: str,
) -> None:
    """The server asks roots/list outside any call, on the GET stream: answered -32601 on a
    POST of its own; the stream is closed (and its thread gone) when the session ends."""
    import threading

    with FakeHTTP(revision, listen=True) as fake:
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            assert run(server, "add", a=1).text == "2"
        assert fake.get_closed.wait(5)
        gets = [r for r in fake.requests if r.method == "GET"]
    assert len(gets) == 1
    assert gets[0].headers["accept"] == "text/event-stream"
    assert gets[0].headers["mcp-session-id"] == "session-1"
    assert gets[0].headers["mcp-protocol-version"] == revision
    assert fake.listened == [
        {
            "jsonrpc": "2.0",
            "id": "g1",
            "error": {
                "code": -32601,
                "message": "Method not found: roots/list",
                "data": {"reason": "modelkit declares no client capabilities"},
            },
        }
    ]
    assert methods(fake.requests)[-1] == "DELETE"
    assert not [t for t in threading.enumerate() if t.name.startswith("modelkit-mcp-listen")]


def test_a_server_without_a_get_stream_is_not_asked_again() -> None:
    with FakeHTTP("2025-11-25") as fake:  # GET is 405
        server = mcp_server_http(url=fake.url, timeout=10)
        with server:
            assert run(server, "add", a=1).text == "2"
            assert run(server, "add", a=2).text == "3"
    assert len([r for r in fake.requests if r.method == "GET"]) == 1


@pytest.mark.parametrize("revision", [*LEGACY, MODERN])
def test_a_call_that_times_out_is_cancelled_as_its_revision_says(revision: str) -> None:
    """Handshake revisions: a notifications/cancelled naming the request, in the session.
    2026-07-28: closing the stream is the cancellation; no notification is sent."""
    with FakeHTTP(revision) as fake:
        server = mcp_server_http(url=fake.url, timeout=10, sse_read_timeout=0.5)
        with server:
            tools = server.tools()
            with pytest.raises(
                MCPTimeoutError, match="did not answer tools/call 'hang' within 0.5s"
            ):
                execute_tools([call("hang", a=1)], tools)
            end = time.monotonic() + (5 if revision in LEGACY else 1)
            while time.monotonic() < end and "notifications/cancelled" not in methods(
                fake.posted()
            ):
                time.sleep(0.05)
        hung = next(r for r in fake.posted() if (r.body.get("params") or {}).get("name") == "hang")
        cancels = [r for r in fake.posted() if r.body.get("method") == "notifications/cancelled"]
    if revision == MODERN:
        assert cancels == []
        return
    assert [c.body["params"] for c in cancels] == [
        {"requestId": hung.body["id"], "reason": "timed out"}
    ]
    assert cancels[0].headers["mcp-session-id"] == "session-1"
