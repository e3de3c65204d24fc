"""The MCP client against the official MCP Python SDK's server, 2.x and the last 1.x.

The server (``mcp_sdk_server.py``) runs as a stdio subprocess, and as a
Streamable HTTP and an HTTP+SSE server on 127.0.0.1 (a port the OS
picks). mcp 2.x comes from requirements-dev.txt; the last 1.x is
installed apart by ``make test`` (``MODELKIT_TEST_MCP1`` names its folder,
given to the server as ``PYTHONPATH``). The SDK needs Python >= 3.10: on
older Pythons, or without the 1.x folder, those cases skip with the reason.
Each of the last three revisions is spoken with the SDK where it speaks it
(2.x: 2026-07-28, 2025-11-25, 2025-06-18; 1.30: 2025-11-25, 2025-06-18),
and at 2025-11-25 its tools ask the client for sampling, elicitation and
roots mid-call and close their event stream for the client to resume
(https://modelcontextprotocol.io/specification/2025-11-25/basic/transports).
Tool calls are scripted with ``mockllm`` and, end to end, through the
loopback server speaking OpenAI's chat completions format
(https://platform.openai.com/docs/api-reference/chat/create).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from loopback import LoopbackServer, Reply

from modelkit import (
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    MCPServerError,
    ModelOutput,
    ToolCall,
    ToolDef,
    get_model,
    mcp_connection,
    mcp_server_http,
    mcp_server_sse,
    mcp_server_stdio,
    mcp_tools,
)

SERVER = str(Path(__file__).with_name("mcp_sdk_server.py"))
TOKEN = "tok-5ecret-9f8e7d"


def _sdk_path(sdk: str) -> Optional[str]:
    """``PYTHONPATH`` for the server of ``sdk`` ("" for the venv's own), or skip."""
    if sys.version_info < (3, 10):
        pytest.skip("the mcp package needs Python >= 3.10")
    if sdk == "2.x":
        try:
            import mcp  # noqa: F401
        except ImportError:
            pytest.skip("mcp 2.x is not installed (pip install -r requirements-dev.txt)")
        return None
    folder = os.environ.get("MODELKIT_TEST_MCP1")
    if not folder or not Path(folder, "mcp").is_dir():
        pytest.skip("mcp 1.x is not installed apart (make test installs it; MODELKIT_TEST_MCP1)")
    return folder


@pytest.fixture(params=["2.x", "1.x"])
def sdk(request: Any) -> Optional[str]:
    return _sdk_path(request.param)  # a test may narrow it (indirect parametrize)


def _env(path: Optional[str]) -> Optional[Dict[str, str]]:
    return {"PYTHONPATH": path} if path else None


def stdio_server(path: Optional[str], **kwargs: Any) -> Any:
    return mcp_server_stdio(
        name="sdk", command=sys.executable, args=[SERVER, "stdio"], env=_env(path), **kwargs
    )


@pytest.fixture
def served(sdk: Optional[str], request: Any) -> Iterator[str]:
    """The base URL of the SDK server over HTTP (``kind``: http or sse), token required."""
    kind = getattr(request, "param", "http")
    env = {**os.environ, **(_env(sdk) or {})}
    process = subprocess.Popen(
        [sys.executable, SERVER, kind, "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline().decode() if ready else ""
        assert line.startswith("PORT "), f"the SDK server did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(30)
        process.stdout.close()  # type: ignore[union-attr]


def script(*calls: ToolCall, answer: str = "done") -> List[ModelOutput]:
    outputs = [ModelOutput.for_tool_call("model", c.function, c.arguments, c.id) for c in calls]
    return [*outputs, ModelOutput.from_content("model", answer)]


def test_the_tool_list_maps_to_tool_info(sdk: Optional[str]) -> None:
    infos = {ToolDef(t).name: ToolDef(t).as_info() for t in stdio_server(sdk).tools()}
    assert sorted(infos) == ["add", "ask", "echo", "fail", "pixel", "poll", "wait"]
    assert infos["add"].to_dict() == {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "a"},
                "b": {"type": "integer", "description": "b"},
            },
            "required": ["a", "b"],
            "additionalProperties": False,
        },
    }
    echo = infos["echo"].parameters.to_dict()
    assert echo["properties"]["times"] == {"type": "integer", "description": "times", "default": 1}
    assert echo["required"] == ["text"]


def test_generate_loop_over_stdio(sdk: Optional[str]) -> None:
    outputs = script(
        ToolCall(id="c1", function="add", arguments={"a": 2, "b": 40}),
        ToolCall(id="c2", function="pixel", arguments={}),
        ToolCall(id="c3", function="fail", arguments={"reason": "testing"}),
    )
    seen: List[List[str]] = []
    answers = iter(outputs)

    def respond(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        seen.append(sorted(t.name for t in tools))
        return next(answers)

    model = get_model("mockllm/model", custom_outputs=respond, memoize=False)
    server = stdio_server(sdk, timeout=60)
    result = model.generate_loop("go", [mcp_tools(server, tools=["add", "pix*", "fail"])])
    assert seen == [["add", "fail", "pixel"]] * 4
    results = [m for m in result.messages if isinstance(m, ChatMessageTool)]
    assert [m.text for m in results[:1]] == ["42"]
    images = [m for m in result.messages if isinstance(m, ChatMessageUser)]
    assert isinstance(images[0].content[0], ContentImage)  # mockllm takes no images in results
    assert images[0].content[0].image.startswith("data:image/png;base64,iVBORw0KGgo")
    assert results[2].error is not None and "failed on purpose: testing" in results[2].error.message
    assert result.output.completion == "done"


@pytest.mark.parametrize("served", ["http"], indirect=True)
def test_generate_loop_over_streamable_http(served: str, sdk: Optional[str]) -> None:
    server = mcp_server_http(url=f"{served}/mcp", authorization=TOKEN, timeout=30)
    model = get_model(
        "mockllm/model",
        custom_outputs=script(
            ToolCall(id="c1", function="echo", arguments={"text": "ab", "times": 3})
        ),
        memoize=False,
    )
    with mcp_connection([server]):
        session = server._session  # type: ignore[attr-defined]
        if sdk is None:  # the probe found the 2.x server modern: no session
            assert session.version == "2026-07-28" and session.transport.session_id is None
        else:  # 1.x answered the probe -32602: the handshake, and a session
            assert session.version == "2025-11-25" and session.transport.session_id
        result = model.generate_loop("go", server)
        assert server._session is session  # type: ignore[attr-defined]  # one session for all
    assert result.messages[1].text == "ababab"
    assert server._session is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("served", ["sse"], indirect=True)
def test_generate_loop_over_http_with_sse(served: str) -> None:
    server = mcp_server_sse(url=f"{served}/sse", authorization=TOKEN, timeout=30)
    model = get_model(
        "mockllm/model",
        custom_outputs=script(ToolCall(id="c1", function="add", arguments={"a": 1, "b": 2})),
        memoize=False,
    )
    result = model.generate_loop("go", [server])
    assert result.messages[1].text == "3"


@pytest.mark.parametrize("served", ["http", "sse"], indirect=True)
def test_a_wrong_token_is_an_error_without_the_token(
    served: str, request: Any, caplog: Any
) -> None:
    caplog.set_level("DEBUG", logger="modelkit")
    secret = "wr0ng-t0ken-123"
    kind = request.node.callspec.params["served"]
    make, path = (mcp_server_http, "/mcp") if kind == "http" else (mcp_server_sse, "/sse")
    server = make(url=f"{served}{path}", authorization=secret, timeout=10)
    with pytest.raises(MCPServerError, match="HTTP 401") as caught:
        server.tools()
    text = str(caught.value)
    assert secret not in text and "[redacted]" in text  # the server echoed it back
    assert "check the credentials" in text
    assert secret not in repr(server) and secret not in repr(server.config)  # type: ignore[attr-defined]
    assert secret not in caplog.text


def test_end_to_end_through_an_openai_compatible_server(sdk: Optional[str]) -> None:
    """The model (a loopback OpenAI server) calls an MCP tool; its result goes back."""
    call = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "add", "arguments": '{"a": 20, "b": 22}'},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    }
    with LoopbackServer() as api:
        api.script(Reply(body=call), Reply())
        model = get_model("openai/m", base_url=api.url, api_key="sk-test", memoize=False)
        result = model.generate_loop("What is 20 + 22?", [stdio_server(sdk, timeout=60)])
        first, second = (r.json() for r in api.requests)
    tools = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert tools["add"]["parameters"]["required"] == ["a", "b"]
    assert tools["add"]["description"] == "Add two integers."
    sent = second["messages"][-1]
    assert (sent["role"], sent["tool_call_id"], sent["content"]) == ("tool", "call_1", "42")
    assert result.output.completion == "Hello from loopback"
    assert json.loads(second["messages"][-2]["tool_calls"][0]["function"]["arguments"]) == {
        "a": 20,
        "b": 22,
    }


def _at(server: Any, protocol: Optional[str]) -> Any:
    """The same server, its sessions opened at ``protocol`` (``None``: negotiated)."""
    from modelkit.tools.mcp._server import MCPServerLocal

    return MCPServerLocal(server.config, server._transport, 30, 30, protocol=protocol)


REVISIONS = [
    # (sdk, protocol asked for, revision expected): auto finds 2026-07-28 on 2.x and
    # 2025-11-25 on 1.30 (its newest); a pinned handshake version is offered and kept
    ("2.x", None, "2026-07-28"),
    ("2.x", "2026-07-28", "2026-07-28"),
    ("2.x", "2025-11-25", "2025-11-25"),
    ("2.x", "2025-06-18", "2025-06-18"),
    ("1.x", None, "2025-11-25"),
    ("1.x", "2025-06-18", "2025-06-18"),
]


@pytest.mark.parametrize("served", ["http"], indirect=True)
@pytest.mark.parametrize(
    ("sdk", "protocol", "revision"),
    REVISIONS,
    indirect=["sdk"],
    ids=[f"{s}-{p or 'auto'}" for s, p, _ in REVISIONS],
)
def test_each_revision_with_the_sdk(
    sdk: Optional[str], served: str, protocol: Optional[str], revision: str
) -> None:
    """The last three revisions against the official SDK, over stdio and Streamable HTTP:
    the same tools and results; sessions only before 2026-07-28."""
    servers = [
        _at(stdio_server(sdk, timeout=60), protocol),
        _at(mcp_server_http(url=f"{served}/mcp", authorization=TOKEN, timeout=30), protocol),
    ]
    for server in servers:
        with server:
            session = server._session
            assert session.version == revision
            assert session.server_info["name"] == "modelkit-test"
            http = session.transport.kind == "http"
            assert bool(getattr(session.transport, "session_id", None)) == (
                http and revision != "2026-07-28"
            )
            tools = server.tools()
            infos = {ToolDef(t).name: ToolDef(t).as_info() for t in tools}
            assert infos["add"].parameters.required == ["a", "b"]
            model = get_model(
                "mockllm/model",
                custom_outputs=script(
                    ToolCall(id="c1", function="add", arguments={"a": 3, "b": 4}),
                    ToolCall(id="c2", function="fail", arguments={"reason": "x"}),
                ),
                memoize=False,
            )
            result = model.generate_loop("go", tools)
        texts = [m.text for m in result.messages if isinstance(m, ChatMessageTool)]
        assert texts[0] == "7"
        assert "failed on purpose: x" in texts[1]


HANDSHAKE_AT_2025_11_25 = [("2.x", "2025-11-25"), ("1.x", None)]


@pytest.mark.parametrize("served", ["http"], indirect=True)
@pytest.mark.parametrize(
    ("sdk", "protocol"), HANDSHAKE_AT_2025_11_25, indirect=["sdk"], ids=["2.x", "1.x"]
)
def test_the_sdk_asking_for_sampling_elicitation_and_roots_mid_call_is_refused(
    sdk: Optional[str], served: str, protocol: Optional[str]
) -> None:
    """At 2025-11-25 the SDK's tool asks the client mid-call; modelkit answers -32601 (it
    declares no capabilities) on stdio, and over HTTP on the call's event stream (sampling,
    elicitation) and on the session's GET stream (roots/list, which the SDK sends outside
    the call): nothing waits for an answer that never comes."""
    servers = [
        _at(stdio_server(sdk, timeout=60), protocol),
        _at(mcp_server_http(url=f"{served}/mcp", authorization=TOKEN, timeout=30), protocol),
    ]
    for server in servers:
        with server:
            assert server._session.version == "2025-11-25"
            answer = server.call("ask", {"roots": True})
        assert "sampling: Method not found" in answer, answer
        assert "elicitation: Method not found" in answer, answer
        assert "roots: Method not found" in answer, answer


@pytest.mark.parametrize("served", ["http"], indirect=True)
@pytest.mark.parametrize(
    ("sdk", "protocol"), HANDSHAKE_AT_2025_11_25, indirect=["sdk"], ids=["2.x", "1.x"]
)
def test_the_sdk_closing_a_calls_stream_is_resumed_with_last_event_id(
    sdk: Optional[str], served: str, protocol: Optional[str], caplog: Any
) -> None:
    """The SDK's server (with an event store) closes the stream mid-call, 2025-11-25's
    polling: modelkit waits the server's retry, GETs with Last-Event-ID, gets the answer."""
    caplog.set_level("DEBUG", logger="modelkit")
    server = _at(mcp_server_http(url=f"{served}/mcp", authorization=TOKEN, timeout=30), protocol)
    with server:
        assert server._session.version == "2025-11-25"
        assert server.call("poll", {}) == "polled"
    assert "resuming the stream of tools/call 'poll' after event" in caplog.text
    assert TOKEN not in caplog.text
