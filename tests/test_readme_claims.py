"""Rows of README's "Coming from Inspect" table that no module's tests own.

Each test shows one row's modelkit column (the behaviour a user coming
from Inspect 0.3.285 meets instead); rows about one module are shown in
that module's tests (the report lists them). Inspect's side was read from
inspect-ai 0.3.285's sources: ``model/_providers/mockllm.py`` (strings in
``custom_outputs`` refused, an empty input answered), ``model/__init__.py``
and ``inspect_ai.approval`` (``active_model``, approvals), ``model/_stream.py``
(``StreamEvent`` is the ``on_stream`` union), ``model/_compaction``
(``compaction(..., checkpointer=)``).
"""

from __future__ import annotations

import importlib
import re
import typing
from pathlib import Path
from typing import Any, Dict, List

import pytest

import modelkit
from modelkit import (
    ChatMessageUser,
    CompactionTrim,
    ConfigError,
    GenerateConfig,
    ModelOutput,
    StreamEvent,
    StreamHandler,
    StreamTextEvent,
    TextDelta,
    compaction,
    get_model,
)
from modelkit._events import ReasoningDelta, StreamEnd, ToolCallDelta
from modelkit.api import BUILTIN_PROVIDERS


def test_generate_with_no_messages_asks_for_one() -> None:
    # row: "generate([])" -> "give at least one message"
    with pytest.raises(ConfigError, match="give a prompt string or at least one message"):
        get_model("mockllm/model", memoize=False).generate([])


def test_custom_outputs_list_items_may_be_strings_a_bare_string_may_not() -> None:
    # row: a string *in the list* is an output's text; a bare string still raises
    model = get_model("mockllm/model", custom_outputs=["Hello!", "Bye."], memoize=False)
    assert [model.generate("x").completion for _ in range(2)] == ["Hello!", "Bye."]
    bare = get_model("mockllm/model", custom_outputs="Hello!", memoize=False)
    with pytest.raises(ConfigError, match=r"pass a list, e.g. custom_outputs=\['Hello!'\]"):
        bare.generate("x")


@pytest.mark.parametrize(
    "name", ["active_model", "approval", "Approver", "ApprovalPolicy", "auto_approver"]
)
def test_active_model_and_approvals_are_not_in_modelkit(name: str) -> None:
    # row: "active_model(), approvals" -> not available outside an eval
    assert not hasattr(modelkit, name)
    with pytest.raises(ImportError):
        exec(f"from modelkit import {name}", {})
    with pytest.raises(ImportError):
        importlib.import_module("modelkit.approval")


def test_compaction_checkpointer_is_refused_with_the_reason() -> None:
    # row: "compaction(..., checkpointer=)" -> keep one handler for the conversation
    model = get_model("mockllm/model", memoize=False)
    handler = compaction(CompactionTrim(), [], model=model, checkpointer=None)
    assert handler is not None  # None is Inspect's no-op default: accepted
    with pytest.raises(ConfigError, match="keep one compaction\\(\\) handler"):
        compaction(CompactionTrim(), [], model=model, checkpointer=object())


def test_stream_event_is_model_streams_union_not_the_on_stream_one() -> None:
    # row: StreamEvent is Model.stream's union; on_stream handlers get Stream*Event
    assert set(typing.get_args(StreamEvent)) == {
        TextDelta,
        ReasoningDelta,
        ToolCallDelta,
        StreamEnd,
    }
    script = ["Hello ", "there"]  # a mockllm script: streamed in these pieces
    model = get_model("mockllm/model", custom_outputs=[script], memoize=False)
    with model.stream("hi") as stream:
        yielded = list(stream)
    assert all(isinstance(event, typing.get_args(StreamEvent)) for event in yielded)
    received: List[Any] = []
    handler: StreamHandler = received.append  # the annotation the row recommends
    model = get_model("mockllm/model", custom_outputs=[script], memoize=False)
    output = model.generate("hi", on_stream=handler)
    assert received and all(isinstance(event, StreamTextEvent) for event in received)
    assert not any(isinstance(event, typing.get_args(StreamEvent)) for event in received)
    assert "".join(event.text for event in received) == output.completion


def test_model_dump_exclude_unset_names_the_replacements() -> None:
    # row: x.model_dump(exclude_unset=True) -> exclude_none=True or exclude_defaults=True
    output = ModelOutput.from_content("m", "hi")
    with pytest.raises(ConfigError, match="exclude_none=True or exclude_defaults=True"):
        output.model_dump(exclude_unset=True)
    assert output.model_dump(exclude_unset=False) == output.model_dump()
    assert "temperature" not in GenerateConfig(max_tokens=5).model_dump(exclude_none=True)


def _drawn_tree() -> List[Any]:
    """(child, parent) names of README's error tree (indent = depth; "(X)" is a subclass of
    the name before it on its line)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = "ModelkitError" + readme.split("```\nModelkitError", 1)[1].split("```", 1)[0]
    stack: Dict[int, str] = {}
    pairs = []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip())) // 2
        names = re.findall(r"(\(?)([A-Z]\w*Error)\)?", line)
        previous = None
        for paren, name in names:
            parent = previous if paren else stack.get(depth - 1)
            if parent is not None:
                pairs.append((name, parent))
            if not paren:
                previous = name
        stack[depth] = names[0][1]
    return pairs


def test_the_error_tree_is_the_one_drawn() -> None:
    import modelkit.errors as errors

    pairs = _drawn_tree()
    for child, parent in pairs:
        assert issubclass(getattr(errors, child), getattr(errors, parent)), (child, parent)
    drawn = {child for child, _ in pairs}
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, errors.ModelkitError)
        and value is not errors.ModelkitError
    }
    assert defined == drawn  # every error class is in the drawing, and only those


@pytest.mark.parametrize(
    ("name", "builtin"),
    [
        ("ConfigError", ValueError),
        ("BadRequestError", ValueError),
        ("ResponseFormatError", ValueError),
        ("APITimeoutError", TimeoutError),
        ("APIConnectionError", ConnectionError),
        ("CacheError", OSError),
        ("BatchTimeoutError", TimeoutError),
        ("CassetteMismatchError", LookupError),
        ("MCPServerError", RuntimeError),
        ("MCPTimeoutError", TimeoutError),
    ],
)
def test_errors_subclass_the_builtin_they_resemble(name: str, builtin: type) -> None:
    import modelkit.errors as errors

    assert issubclass(getattr(errors, name), builtin)
    assert issubclass(getattr(errors, name), errors.ModelkitError)


def test_message_equality_leaves_ids_out() -> None:
    # row: "message_a == message_b compares ids" -> ids are left out of equality
    first, second = ChatMessageUser(content="hi"), ChatMessageUser(content="hi")
    assert first.id != second.id
    assert first == second
    assert first != ChatMessageUser(content="hello")


def test_adaptive_connections_are_off_unless_asked() -> None:
    # row: "adaptive connections on by default" -> GenerateConfig(adaptive_connections=True)
    from modelkit._engine.adaptive import adaptive_settings

    assert adaptive_settings(GenerateConfig().adaptive_connections, 10) is None  # static
    on = adaptive_settings(GenerateConfig(adaptive_connections=True).adaptive_connections, 10)
    assert on is not None and (on.start, on.max) == (1, 10)


@pytest.mark.parametrize("provider", sorted(BUILTIN_PROVIDERS))
def test_every_provider_streams(provider: str) -> None:
    # README, "Streaming and structured output": "every provider streams"
    if provider == "mockllm":
        model = get_model("mockllm/model", custom_outputs=["a b"], memoize=False)
        with model.stream("hi") as stream:
            assert [e.type for e in stream][-1] == "end"
        return
    spec = "openai-api/acme/m" if provider == "openai-api" else f"{provider}/some-model"
    model = get_model(spec, api_key="k", base_url="http://127.0.0.1:9/v1", memoize=False)
    assert model.api.stream_decoder(GenerateConfig()) is not None  # type: ignore[attr-defined]


def test_plain_tools_run_in_parallel_unless_told_and_factories_stay_serial() -> None:
    # row: "ToolDef(fn) and plain tools default to parallel=False" -> ToolDef(fn, parallel=False)
    from modelkit import ToolDef, tool

    def add(a: int, b: int) -> int:
        """Add two integers.

        Args:
            a: The first.
            b: The second.
        """
        return a + b

    @tool
    def multiply() -> Any:
        async def execute(a: int, b: int) -> int:
            """Multiply two integers.

            Args:
                a: The first.
                b: The second.
            """
            return a * b

        return execute

    assert ToolDef(add).parallel is True
    assert ToolDef(add, parallel=False).parallel is False
    assert ToolDef(multiply()).parallel is False  # as in Inspect
