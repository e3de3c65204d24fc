"""``web_search()`` and ``code_execution()``: Inspect 0.3.285's options, lazily imported.

The expected ``ToolInfo.options`` were printed by Inspect 0.3.285's own
``ToolDef(web_search(...)).options`` / ``ToolDef(code_execution(...)).options``
for the same arguments, so a provider mapping written against Inspect's
layout reads modelkit's tools the same way.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Dict

import pytest

from modelkit import (
    INTERNAL_TOOL_TYPE,
    ConfigError,
    code_execution,
    execute_tools,
    internal_tool_type,
    web_search,
)
from modelkit.messages import ChatMessageAssistant
from modelkit.tools import ToolCall
from modelkit.tools._function import ToolDef

ALL_INTERNAL = {
    "openai": {},
    "anthropic": {},
    "grok": {},
    "gemini": {},
    "mistral": {},
    "perplexity": {},
}


def _options(tool: Any) -> Dict[str, Any]:
    options = ToolDef(tool).options
    assert options is not None
    return dict(options)


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), ALL_INTERNAL),
        (("tavily",), {"tavily": {}}),
        (
            (["openai", {"anthropic": {"max_uses": 2}}],),
            {**ALL_INTERNAL, "anthropic": {"max_uses": 2}},
        ),
        (
            ({"openai": False, "gemini": True},),
            {k: v for k, v in ALL_INTERNAL.items() if k != "openai"},
        ),
        ((["exa", "grok"],), {"exa": {}, "grok": {}}),
    ],
)
def test_web_search_options_are_inspect_s(args: Any, expected: Dict[str, Any]) -> None:
    assert _options(web_search(*args)) == {INTERNAL_TOOL_TYPE: "web_search", **expected}


def test_code_execution_options_are_inspect_s() -> None:
    everyone = {
        "openai": {},
        "anthropic": {},
        "google": {},
        "grok": {},
        "mistral": {},
        "python": {},
    }
    assert _options(code_execution()) == {
        INTERNAL_TOOL_TYPE: "code_execution",
        "providers": everyone,
    }
    tool = code_execution(providers={"openai": {"container": {"type": "auto"}}, "grok": False})
    providers = {**everyone, "openai": {"container": {"type": "auto"}}}
    del providers["grok"]
    assert _options(tool) == {INTERNAL_TOOL_TYPE: "code_execution", "providers": providers}


def test_the_tools_have_inspect_s_names_parameters_and_parallelism() -> None:
    search, code = ToolDef(web_search()), ToolDef(code_execution())
    assert (search.name, list(search.parameters.properties), search.parallel) == (
        "web_search",
        ["query"],
        True,
    )
    assert (code.name, list(code.parameters.properties), code.parallel) == (
        "code_execution",
        ["code"],
        False,
    )
    assert internal_tool_type(search.as_info()) == "web_search"
    assert internal_tool_type(code.as_info()) == "code_execution"


@pytest.mark.parametrize(
    "make",
    [
        lambda: web_search("bing"),
        lambda: web_search({"openai": "yes"}),
        lambda: web_search(42),
        lambda: code_execution(providers={"cobol": True}),
        lambda: code_execution(providers=["openai"]),
    ],
)
def test_bad_providers_are_a_config_error(make: Any) -> None:
    with pytest.raises(ConfigError, match="web_search|code_execution"):
        make()


def test_a_call_that_reaches_modelkit_is_a_tool_error_the_model_sees() -> None:
    call = ToolCall(id="c1", function="web_search", arguments={"query": "x"})
    result = execute_tools([ChatMessageAssistant(content="", tool_calls=[call])], [web_search()])
    assert result.messages[0].error is not None
    assert "provider" in result.messages[0].error.message


def test_import_modelkit_does_not_import_the_builtin_tools() -> None:
    code = (
        "import sys, modelkit; "
        "assert not [m for m in sys.modules if m.startswith('modelkit.tools.builtin')]; "
        "modelkit.web_search; assert 'modelkit.tools.builtin._web_search' in sys.modules; "
        "assert 'modelkit.tools.builtin._code_execution' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
