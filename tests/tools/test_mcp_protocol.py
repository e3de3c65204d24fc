"""The MCP client against a hand-written stdio server: protocol, negotiation and faults.

The server (``mcp_fake_server.py``) speaks the lifecycle and stdio
transport of https://modelcontextprotocol.io/specification/2025-11-25/basic
(initialize, notifications/initialized, tools/list with nextCursor,
tools/call, ping, -32022 for an unsupported version) and breaks on
request: exits, hangs, prints garbage. No process it started may outlive
the server's close: the pids it logs are checked with ``os.waitpid`` /
``os.kill(pid, 0)``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from modelkit import (
    ChatMessageAssistant,
    ChatMessageTool,
    ConfigError,
    MCPServerError,
    MCPTimeoutError,
    ToolCall,
    ToolDef,
    ToolInfo,
    ToolParam,
    ToolParams,
    ToolSource,
    execute_tools,
    mcp_server_stdio,
    mcp_tools,
)

FAKE = str(Path(__file__).with_name("mcp_fake_server.py"))


def fake(mode: str, log: Path, timeout: float = 30) -> Any:
    return mcp_server_stdio(
        name=f"fake-{mode}",
        command=sys.executable,
        args=[FAKE, mode, "--log", str(log)],
        timeout=timeout,
    )


def received(log: Path) -> List[Dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def pids(log: Path, key: str = "pid") -> List[int]:
    return [m[key] for m in received(log) if key in m]


def gone(pid: int) -> bool:
    """The process no longer exists: reaped (not a zombie of ours) and not running."""
    try:
        os.waitpid(pid, os.WNOHANG)
        return False  # still our child, unreaped
    except ChildProcessError:
        pass
    for _ in range(200):  # a grandchild is reaped by init once killed: wait for that
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        status = Path(f"/proc/{pid}/stat")
        if status.exists() and status.read_text().split(") ", 1)[-1][:1] == "Z":
            time.sleep(0.05)  # a zombie of another parent, about to be reaped
            continue
        time.sleep(0.05)
    return False


def call(name: str, **arguments: Any) -> ChatMessageAssistant:
    return ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c1", function=name, arguments=arguments)]
    )


def test_handshake_then_every_page_of_tools(tmp_path: Path) -> None:
    log = tmp_path / "log"
    server = fake("ok", log)
    assert isinstance(server, ToolSource)
    tools = server.tools()
    assert [ToolDef(t).name for t in tools] == ["t1", "t2", "t3", "t4"]
    assert ToolDef(tools[0]).as_info() == ToolInfo(
        name="t1",
        description="The t1 tool.",
        parameters=ToolParams(
            properties={"x": ToolParam(type="integer", minimum=0, description="x")},
            required=["x"],
        ),
    )
    methods = [m.get("method") for m in received(log) if "pid" not in m]
    assert methods == [
        "server/discover",  # the dual-era probe: a legacy server answers -32601
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/list",
        "tools/list",
    ]
    probe = received(log)[1]
    assert probe["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"
    init = next(m for m in received(log) if m.get("method") == "initialize")
    assert init["jsonrpc"] == "2.0"
    assert init["params"]["protocolVersion"] == "2025-11-25"
    assert init["params"]["capabilities"] == {}
    assert init["params"]["clientInfo"]["name"] == "modelkit"
    cursors = [
        (m.get("params") or {}).get("cursor")
        for m in received(log)
        if m.get("method") == "tools/list"
    ]
    assert cursors == [None, "c1", "c2"]
    assert all(gone(pid) for pid in pids(log))  # a session per use, closed after it


def test_mcp_tools_filters_by_name_and_glob(tmp_path: Path) -> None:
    server = fake("ok", tmp_path / "log")
    names = [ToolDef(t).name for t in mcp_tools(server, tools=["t1", "t[34]"]).tools()]
    assert names == ["t1", "t3", "t4"]
    with pytest.raises(ConfigError, match='takes "all" or a list of names'):
        mcp_tools(server, tools="t1")  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
def test_a_server_answering_a_supported_version_is_accepted(tmp_path: Path, version: str) -> None:
    server = fake(f"version:{version}", tmp_path / "log")
    with server:
        assert server._session.version == version  # type: ignore[attr-defined]
        assert len(server.tools()) == 4


def test_a_server_answering_an_unsupported_version_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(MCPServerError, match=r"'fake-version:1999-01-01' speaks MCP 1999-01-01"):
        fake("version:1999-01-01", log).tools()
    methods = [m.get("method") for m in received(log) if "pid" not in m]
    assert methods == ["server/discover", "initialize"]
    assert all(gone(pid) for pid in pids(log))


def test_a_stateless_2026_server_is_spoken_to_with_metadata_on_each_request(
    tmp_path: Path,
) -> None:
    """2026-07-28 (no handshake): the server/discover probe answered, then _meta on each request."""
    log = tmp_path / "log"
    server = fake("modern-only", log)
    with server:
        assert server._session.version == "2026-07-28"  # type: ignore[attr-defined]
        assert server._session.server_info == {"name": "fake", "version": "0"}  # type: ignore[attr-defined]
        tools = server.tools()
        messages, _ = execute_tools([call("t3", x=5)], tools)
    assert messages[0].text == 't3 {"x": 5}' and messages[0].error is None
    sent = [m for m in received(log) if "method" in m]
    assert [m["method"] for m in sent] == [
        "server/discover",
        "tools/list",
        "tools/list",
        "tools/list",
        "tools/call",
    ]  # no initialize, no notifications/initialized: the revision has no handshake
    for message in sent:
        meta = message["params"]["_meta"]
        assert meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"
        assert meta["io.modelcontextprotocol/clientCapabilities"] == {}
        assert meta["io.modelcontextprotocol/clientInfo"]["name"] == "modelkit"
    assert sent[-1]["params"]["name"] == "t3" and sent[-1]["params"]["arguments"] == {"x": 5}
    assert sent[2]["params"]["cursor"] == "c1"


def test_a_server_of_only_unknown_versions_is_refused_naming_them(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(
        MCPServerError, match="speaks only MCP 2099-01-01; modelkit speaks 2026-07-28, 2025-11-25"
    ):
        fake("future-only", log).tools()
    assert all(gone(pid) for pid in pids(log))


def test_one_session_serves_a_with_block(tmp_path: Path) -> None:
    log = tmp_path / "log"
    server = fake("ok", log)
    with server:
        with server:  # entries nest
            tools = server.tools()
        messages, _ = execute_tools([call("t2", x=3)], tools)
        assert messages[0].text == 't2 {"x": 3}'
        assert len(pids(log)) == 1
    assert [m.get("method") for m in received(log)].count("tools/list") == 3  # listed once
    assert all(gone(pid) for pid in pids(log))


def test_errors_from_the_server_go_to_the_model(tmp_path: Path) -> None:
    server = fake("errors", tmp_path / "log")
    with server:
        tools = [tool_named(server, "boom"), tool_named(server, "sad")]
        boom, _ = execute_tools([call("boom", x=1)], tools)
        sad, _ = execute_tools([call("sad", x=1)], tools)
    for message, text in ((boom[0], "x must be positive"), (sad[0], "it went wrong")):
        assert isinstance(message, ChatMessageTool)
        assert message.error is not None and message.error.message == text
        assert message.text == f"Error: {text}"


def tool_named(server: Any, name: str) -> ToolDef:
    """A ToolDef calling ``name`` on the server (the fake lists t1..t4 but calls any name)."""
    from modelkit.tools.mcp._server import MCPTool

    params = ToolParams(properties={"x": ToolParam(type="integer")})
    info = ToolInfo(name=name, description=name, parameters=params)
    return ToolDef(MCPTool(server, info).as_tool())


def test_the_clients_answers_pings_and_refuses_other_requests(tmp_path: Path) -> None:
    """Mid-call the server pings and asks for roots, sampling and elicitation: the ping is
    answered, the rest get -32601 (no capability declared), the call completes."""
    log = tmp_path / "log"
    server = fake("ping", log)
    messages, _ = execute_tools([call("t1", x=1)], server)
    assert messages[0].text == 't1 {"x": 1}'
    replies = {m["id"]: m for m in received(log) if str(m.get("id")).startswith("srv-")}
    assert replies.pop("srv-1") == {"jsonrpc": "2.0", "id": "srv-1", "result": {}}
    assert sorted(replies) == ["srv-2", "srv-3", "srv-4"]
    for reply in replies.values():
        assert set(reply) == {"jsonrpc", "id", "error"}
        assert reply["error"]["code"] == -32601


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (
            "exit",
            r"'fake-exit' exited with status 3; its last stderr lines:\nfatal: the fake server gives up",
        ),
        (
            "garbage",
            r"'fake-garbage' wrote a line that is not JSON: 'Server starting\.\.\. this is not JSON' to its stdout",
        ),
    ],
)
def test_a_server_that_dies_or_speaks_garbage_is_a_clear_error(
    tmp_path: Path, mode: str, message: str
) -> None:
    log = tmp_path / "log"
    with pytest.raises(MCPServerError, match=message) as caught:
        fake(mode, log).tools()
    assert caught.value.server == f"fake-{mode}"
    assert not isinstance(caught.value, MCPTimeoutError)
    assert pids(log) and all(gone(pid) for pid in pids(log))


def test_a_server_that_hangs_times_out_and_is_killed(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(MCPTimeoutError, match=r"'fake-hang' did not answer initialize within 0.5s"):
        fake("hang", log, timeout=0.5).tools()
    assert pids(log) and all(gone(pid) for pid in pids(log))


def test_a_tool_call_that_hangs_times_out_and_the_call_is_cancelled(tmp_path: Path) -> None:
    log = tmp_path / "log"
    server = fake("hang-call", log, timeout=0.5)
    with server:
        tools = server.tools()
        with pytest.raises(MCPTimeoutError, match=r"did not answer tools/call 't1' within 0.5s"):
            execute_tools([call("t1", x=1)], tools)
    cancel = [m for m in received(log) if m.get("method") == "notifications/cancelled"]
    assert cancel and cancel[0]["params"]["reason"] == "timed out"
    assert all(gone(pid) for pid in pids(log))


def test_the_servers_children_go_with_it(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(MCPTimeoutError):
        fake("child", log, timeout=0.5).tools()
    assert pids(log, "child") and all(gone(pid) for pid in pids(log) + pids(log, "child"))


def test_a_server_that_died_in_a_with_block_is_started_again_at_its_next_use(
    tmp_path: Path,
) -> None:
    """2026-07-28's stdio binding: a server that exits unexpectedly should be restarted."""
    log = tmp_path / "log"
    server = fake("crash-after-call", log)
    with server:
        tools = server.tools()
        first, _ = execute_tools([call("t1", x=1)], tools)
        end = time.monotonic() + 10
        while not server._session.broken and time.monotonic() < end:  # type: ignore[attr-defined]
            time.sleep(0.02)
        second, _ = execute_tools([call("t2", x=2)], tools)
        assert len(pids(log)) == 2  # a new process served the second call
    assert (first[0].text, second[0].text) == ('t1 {"x": 1}', 't2 {"x": 2}')
    assert all(gone(pid) for pid in pids(log))


def test_a_command_that_does_not_exist_is_a_clear_error() -> None:
    server = mcp_server_stdio(command="/nonexistent/mcp-server", args=["--x"])
    with pytest.raises(MCPServerError, match="'/nonexistent/mcp-server --x' could not be started"):
        server.tools()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"command": ""}, "needs command="),
        ({"command": "x", "args": [1]}, "args must be a list of strings"),
        ({"command": "x", "timeout": 0}, "timeout must be a positive"),
        ({"command": "x", "timeout": float("nan")}, "timeout must be a positive"),
    ],
)
def test_bad_stdio_arguments_are_config_errors(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        mcp_server_stdio(**kwargs)


def test_an_env_value_the_server_echoes_back_is_redacted(tmp_path: Path) -> None:
    secret = "s3cret-env-value-42"
    server = mcp_server_stdio(
        name="echo",
        command=sys.executable,
        args=[FAKE, "echo-env", "--log", str(tmp_path / "log")],
        env={"API_TOKEN": secret},
    )
    messages, _ = execute_tools([call("t1", x=1)], server)
    error = messages[0].error  # type: ignore[union-attr]
    assert error is not None and error.message == "token [redacted] refused"
    assert secret not in repr(messages)


def test_env_values_stay_out_of_reprs() -> None:
    server = mcp_server_stdio(command="x", env={"API_TOKEN": "s3cret-value"})
    assert "s3cret" not in repr(server) and "s3cret" not in repr(server.config)  # type: ignore[attr-defined]
    assert "API_TOKEN" in repr(server.config)  # type: ignore[attr-defined]


def test_mcp_connection_keeps_each_server_up_once_for_the_block(tmp_path: Path) -> None:
    from modelkit import mcp_connection

    log = tmp_path / "log"
    server = fake("ok", log)
    source = mcp_tools(server, tools=["t1"])
    with mcp_connection([source, server, think_tool()]):
        assert server.connected  # type: ignore[attr-defined]
        messages, _ = execute_tools([call("t1", x=1)], [source])
        messages2, _ = execute_tools([call("t1", x=2)], source)
        assert len(pids(log)) == 1  # one process served both
    assert not server.connected  # type: ignore[attr-defined]
    assert (messages[0].text, messages2[0].text) == ('t1 {"x": 1}', 't1 {"x": 2}')
    assert all(gone(pid) for pid in pids(log))


def think_tool() -> Any:
    from modelkit import think

    return think()


def test_async_with_enters_the_server(tmp_path: Path) -> None:
    import asyncio

    server = fake("ok", tmp_path / "log")

    async def use() -> int:
        async with server:
            return len(server.tools())

    assert asyncio.run(use()) == 4
    assert not server.connected  # type: ignore[attr-defined]


def test_import_modelkit_loads_none_of_the_mcp_client() -> None:
    import subprocess

    code = (
        "import sys, modelkit; "
        "assert not [m for m in sys.modules if m.startswith('modelkit.tools.mcp')], 'loaded'; "
        "modelkit.mcp_server_stdio; "
        "assert 'modelkit.tools.mcp._api' in sys.modules; "
        "assert 'requests' not in sys.modules, 'requests loaded by the MCP client'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
