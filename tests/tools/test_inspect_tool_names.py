"""The typing names of Inspect's tool API, used as Inspect code uses them.

``WebSearchProviders`` and ``CodeExecutionProviders`` are TypedDicts in
Inspect 0.3.285 (``inspect_ai.tool``): a call builds the same tool as a
plain dict. ``ToolCallViewer`` is the type of ``tool_with(viewer=)``.
``MCPServer`` is what the ``mcp_server_*`` functions return, and its
``config`` is an ``MCPServerConfigStdio`` or ``MCPServerConfigHTTP`` (both
``MCPServerConfig``) with Inspect's fields: ``type``, ``name``, ``tools``
and ``command``/``args``/``cwd``/``env`` or ``url``/``headers``, the
secrets in them redacted.
"""

from __future__ import annotations

from typing import Any, Dict

from modelkit import (
    CodeExecutionProviders,
    MCPServer,
    MCPServerConfig,
    MCPServerConfigHTTP,
    MCPServerConfigStdio,
    ToolCallView,
    ToolCallViewer,
    WebSearchProviders,
    code_execution,
    mcp_server_http,
    mcp_server_stdio,
    tool,
    tool_with,
    web_search,
)
from modelkit.tools import ToolCall
from modelkit.tools._function import ToolDef


def _options(built: Any) -> Dict[str, Any]:
    options = ToolDef(built).options
    assert options is not None
    return options


def test_provider_typed_dicts_build_the_tools_plain_dicts_build() -> None:
    typed = web_search(providers=WebSearchProviders(anthropic={"max_uses": 2}))
    plain = web_search(providers={"anthropic": {"max_uses": 2}})
    assert _options(typed) == _options(plain)
    assert _options(typed)["anthropic"] == {"max_uses": 2}

    typed_code = code_execution(providers=CodeExecutionProviders(openai={}, google={}))
    plain_code = code_execution(providers={"openai": {}, "google": {}})
    assert _options(typed_code) == _options(plain_code)
    assert "google" in _options(typed_code)["providers"]


def test_a_tool_call_viewer_is_what_tool_with_keeps() -> None:
    @tool
    def add() -> Any:  # Inspect's factory form; Any says no more than no annotation
        async def execute(x: int, y: int) -> int:
            """Add two numbers.

            Args:
                x: the first.
                y: the second.
            """
            return x + y

        return execute

    def show(call: ToolCall) -> ToolCallView:
        return ToolCallView()

    viewer: ToolCallViewer = show
    definition = ToolDef(tool_with(add(), viewer=viewer))
    assert definition.viewer is show
    assert isinstance(show(ToolCall(id="1", function="add", arguments={})), ToolCallView)


def test_mcp_servers_and_their_configs_have_inspects_types_and_fields() -> None:
    stdio = mcp_server_stdio(
        command="python", args=["-c", "pass"], name="local", env={"TOKEN": "s3cret"}
    )
    assert isinstance(stdio, MCPServer)
    config = stdio.config
    assert isinstance(config, MCPServerConfigStdio) and isinstance(config, MCPServerConfig)
    assert (config.type, config.name, config.tools) == ("stdio", "local", "all")
    assert (config.command, config.args, config.cwd) == ("python", ["-c", "pass"], None)
    assert "s3cret" not in repr(config)

    http = mcp_server_http(url="http://127.0.0.1:9/mcp", headers={"X-Key": "s3cret"})
    assert isinstance(http, MCPServer)
    remote = http.config
    assert isinstance(remote, MCPServerConfigHTTP) and isinstance(remote, MCPServerConfig)
    assert (remote.type, remote.url, remote.tools) == ("http", "http://127.0.0.1:9/mcp", "all")
    assert "s3cret" not in repr(remote)
