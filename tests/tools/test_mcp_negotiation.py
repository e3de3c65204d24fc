"""How a stdio session picks its revision, against the hand-written server of each era.

The rules are 2026-07-28's for a dual-era client
(https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio,
Backward Compatibility, and /basic/versioning): probe with
``server/discover`` first; a ``DiscoverResult`` listing 2026-07-28 makes the
session modern; a recognised modern error is final; any other error, a
discover result listing no modern version, or no answer within a
reasonable time means a legacy server and the ``initialize`` handshake
follows; a handshake refused with -32022 naming 2026-07-28 goes back to
``server/discover``. Multi round-trip results as
/basic/patterns/mrtr gives them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import pytest
from test_mcp_protocol import call, fake, gone, pids, received, tool_named

from modelkit import ChatMessageTool, execute_tools
from modelkit.tools.mcp import _lifecycle


def sent(log: Path) -> list:
    return [m.get("method") for m in received(log) if "method" in m]


@pytest.mark.parametrize(
    ("mode", "version", "opening"),
    [
        ("ok", "2025-06-18", ["server/discover", "initialize", "notifications/initialized"]),
        ("dual", "2026-07-28", ["server/discover"]),
        ("modern-only", "2026-07-28", ["server/discover"]),
        (
            "discover-legacy",  # answers discover, listing only a handshake version
            "2025-06-18",
            ["server/discover", "initialize", "notifications/initialized"],
        ),
        (
            "probe-refused",  # -32022 naming handshake versions: a common version exists
            "2025-06-18",
            ["server/discover", "initialize", "notifications/initialized"],
        ),
    ],
)
def test_the_probe_picks_the_era(tmp_path: Path, mode: str, version: str, opening: list) -> None:
    log = tmp_path / "log"
    with fake(mode, log) as server:
        assert server._session.version == version
        assert len(server.tools()) == 4
    assert sent(log)[: len(opening) + 1] == [*opening, "tools/list"]
    assert all(gone(pid) for pid in pids(log))


def test_a_legacy_server_silent_before_initialize_is_shaken_hands_with_after_the_probe_times_out(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    started = time.monotonic()
    with fake("silent", log, timeout=0.5) as server:
        assert server._session.version == "2025-06-18"
    assert time.monotonic() - started < 5
    assert sent(log)[:2] == ["server/discover", "initialize"]
    assert "notifications/cancelled" not in sent(log)  # discover is never cancelled


def test_a_slow_modern_server_refusing_the_handshake_is_discovered_again(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The probe timed out (1 s) before the server's late answer; its -32022 to initialize
    names 2026-07-28, so the client discovers again and stays modern."""
    monkeypatch.setattr(_lifecycle, "PROBE_TIMEOUT", 1.0)
    log = tmp_path / "log"
    with fake("late-modern", log, timeout=10) as server:
        assert server._session.version == "2026-07-28"
        texts = [m.text for m in execute_tools([call("t1", x=2)], server.tools())[0]]
    assert texts == ['t1 {"x": 2}']
    assert sent(log)[:3] == ["server/discover", "initialize", "server/discover"]


def test_a_legacy_server_is_not_probed_again(tmp_path: Path) -> None:
    log = tmp_path / "log"
    server = fake("ok", log)
    messages, _ = execute_tools([call("t1", x=1)], server.tools())  # two sessions, two processes
    assert messages[0].text == 't1 {"x": 1}'
    assert len(pids(log)) == 2
    assert sent(log).count("server/discover") == 1 and sent(log).count("initialize") == 2


def test_state_only_input_required_is_retried_and_asked_input_is_a_tool_error(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    with fake("mrtr", log) as server:
        tools = server.tools()
        done, _ = execute_tools([call("t1", x=3)], tools)
        asked, _ = execute_tools([call("ask", x=1)], [tool_named(server, "ask")])
    assert done[0].text == 't1 {"x": 3}'
    calls = [m for m in received(log) if m.get("method") == "tools/call"]
    states = [m["params"].get("requestState") for m in calls[:3]]
    assert states == [None, "s-1", "s-2"]
    assert len({m["id"] for m in calls}) == len(calls)
    assert not [m for m in received(log) if m.get("id") == "srv-m"]  # 2026-07-28: no answers
    message: Optional[Any] = asked[0]
    assert isinstance(message, ChatMessageTool) and message.error is not None
    assert "asked the client for input (elicitation/create)" in message.error.message
