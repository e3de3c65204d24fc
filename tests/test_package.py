"""The package surface: ``__all__`` covers the seed API, and ``import modelkit`` is cheap.

``import modelkit`` must import no provider module and not ``requests``,
create no file and open no socket: serverless functions pay for every
import at cold start. Checked in a fresh interpreter with an audit hook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Set

from fresh_python import run_fresh

import modelkit
from modelkit._record import Record

SEED_NAMES = {
    "get_model",
    "Model",
    "GenerateConfig",
    "GenerateConfigArgs",
    "ModelOutput",
    "ChatCompletionChoice",
    "ModelUsage",
    "StopReason",
    "ChatMessage",
    "ChatMessageBase",
    "ChatMessageSystem",
    "ChatMessageUser",
    "ChatMessageAssistant",
    "ChatMessageTool",
    "Content",
    "ContentText",
    "ContentImage",
    "ContentAudio",
    "ContentVideo",
    "Logprob",
    "Logprobs",
    "TopLogprob",
    "CachePolicy",
    "cache_size",
    "cache_clear",
    "cache_list_expired",
    "cache_prune",
    "cache_path",
    "modelapi",
    "ModelAPI",
    "ToolInfo",
    "ToolParams",
    "ToolParam",
    "ToolCall",
    "ToolCallError",
    "ToolChoice",
    "ToolFunction",
    "ToolDef",
    "Tool",
    "ContentReasoning",
}


def test_all_exports_the_seed_api_and_only_real_names() -> None:
    assert SEED_NAMES <= set(modelkit.__all__)
    for name in modelkit.__all__:
        assert hasattr(modelkit, name), name
    assert len(modelkit.__all__) == len(set(modelkit.__all__))


_PROBE = r"""
import json, sys
events = []
def hook(event, args):
    if event == "open" and args[1] is not None and any(c in str(args[1]) for c in "wax+"):
        events.append(("write", str(args[0])))
    elif event.startswith("socket."):
        events.append((event, ""))
sys.addaudithook(hook)
import modelkit
loaded = sorted(m for m in sys.modules if m.startswith("modelkit.providers") or m in ("requests", "urllib3", "sqlite3"))
print(json.dumps({"events": events, "loaded": loaded}))
"""


def test_import_is_cheap_and_side_effect_free(tmp_path: Path) -> None:
    report = run_fresh(_PROBE, home=tmp_path)
    assert report["loaded"] == []
    assert report["events"] == []
    assert list(tmp_path.iterdir()) == []


def test_lazy_exports_agree_with_type_checking_imports_and_all() -> None:
    import ast

    tree = ast.parse(Path(modelkit.__file__).read_text())
    typed = {
        (node.module, alias.name)
        for block in tree.body
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    lazy = {(module, name) for module, names in modelkit._EXPORTS.items() for name in names}
    assert typed == lazy
    assert {name for _, name in lazy} | {"__version__"} == set(modelkit.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        modelkit.nope  # noqa: B018
    assert "get_model" in dir(modelkit)


_FIRST_CALL = r"""
import json, sys
import modelkit
modelkit.get_model("mockllm/model").generate("hi")
heavy = ("requests", "urllib3", "asyncio", "sqlite3", "concurrent.futures", "email.utils")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_an_offline_first_call_imports_nothing_heavy(tmp_path: Path) -> None:
    """mockllm needs no HTTP, asyncio, sqlite or thread pool: none is imported."""
    assert run_fresh(_FIRST_CALL, home=tmp_path) == []


_FIRST_HTTP_CALL = r"""
import json, sys
import modelkit
model = modelkit.get_model("openai/gpt-4o", base_url=sys.argv[1] + "/v1", api_key="sk-test")
assert model.generate("hi").completion
print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))
"""

DEFERRED = [
    "modelkit._citation",
    "modelkit._config_args",
    "modelkit._content",
    "modelkit._config_types",
    "modelkit._output_parts",
    "modelkit._response_schema",
    "modelkit.tools._records",
    "modelkit._media",
    "modelkit._media_guard",
    "modelkit._retry_decision",
    "modelkit._engine.fleet",
    "modelkit._engine.budget",
    "modelkit._redis",
    "modelkit._engine.adaptive",
    "modelkit.tools",
    "modelkit.tools._types",
    "modelkit.providers.openai._citations",
    "modelkit.providers._counting",
    "modelkit.providers._think",
    "modelkit.tools.builtin._server",
    "modelkit.hooks._events",
    "modelkit.hooks.telemetry",
    "opentelemetry",
]
"""Modules a first plain-text call does not need (issue 24, cold start): loaded on first use
(OpenTelemetry, installed with the dev tools, only once the application has imported its API
or names a provider in the environment)."""


def test_a_first_http_call_leaves_what_it_does_not_need_unloaded(tmp_path: Path) -> None:
    from loopback import LoopbackServer

    with LoopbackServer() as server:
        result = run_fresh(_FIRST_HTTP_CALL, server.url, json.dumps(DEFERRED), home=tmp_path)
    assert result == []


_FIRST_CALL_CLASSES = r"""
import gc, json, sys
import attrs
import modelkit
model = modelkit.get_model(sys.argv[2], base_url=sys.argv[1] + "/v1", api_key="sk-test")
assert model.generate("hi").completion
gc.collect()
built, seen, todo = set(), set(), [object]
while todo:  # every class alive, wherever it is defined or kept
    for sub in type.__subclasses__(todo.pop()):
        if sub not in seen:
            seen.add(sub)
            todo.append(sub)
            if attrs.has(sub) and sub.__module__.startswith("modelkit"):
                built.add(f"{sub.__module__}.{sub.__qualname__}")
typed = [m for m in ("modelkit.config", "modelkit.model") if "GenerateConfigArgs" in vars(sys.modules[m])]
print(json.dumps({"built": sorted(built), "typed_dicts": typed}))
"""

FIRST_CALL_NEEDS = {
    "modelkit.config.GenerateConfig",
    "modelkit.messages.ChatMessageBase",
    "modelkit.messages.ChatMessageUser",
    "modelkit.messages.ChatMessageAssistant",
    "modelkit.output.ModelUsage",
    "modelkit.output.ChatCompletionChoice",
    "modelkit.output.ModelOutput",
    "modelkit.output.ModelCall",
}
"""The attrs classes a first plain-text OpenAI call makes an instance of (and
``ChatMessageBase``, their base): ``benchmarks/cold_floor.py`` defines the same
ones to measure the design's own floor (docs/engine.md, cold start). All are
public types; modelkit's internal records (``INTERNAL_RECORDS``) are plain classes."""

FIRST_CALL_STILL_BUILDS: Set[str] = set()
"""Public classes a first call does not use but still builds (none now: the system and
tool messages, ``ToolFunction`` and ``ModelRequestId`` are built on first use;
``tests/test_deferred_types.py``). A class added here must be one a deferral cannot reach
(docs/engine.md, cold start, says what each would take)."""

PRICED_FIRST_CALL_BUILDS = {
    "modelkit.info._types.ModelCost",
    "modelkit.info._types.ModelInfo",
    "modelkit.info._types.PeakHours",
}
"""What a first call of a model the bundled table prices builds beyond those: its
``ModelInfo`` (with ``ModelCost``; ``PeakHours`` is defined beside them). The bench's
``openai/gpt-4o`` is not in the table, so it builds none of the three."""

INTERNAL_RECORDS = [
    "modelkit._prepare.GenerateRequest",
    "modelkit._response_headers.ResponseHeaders",
    "modelkit._engine.response.HttpResponse",
    "modelkit.providers._rest.HttpRequest",
    "modelkit.providers.openai._request.WireOptions",
    "modelkit.providers.openai._response.ParseOptions",
    "modelkit._engine.retry.Backoff",
    "modelkit._engine.retry.RetryPolicy",
    "modelkit._engine.retry.Retrying",
    "modelkit._engine.retry.Decision",
]
"""Records modelkit passes between its own layers: plain ``_record.Record`` classes, not
attrs classes (each attrs class costs about 4 M instructions to build at a cold start)."""


def _first_call_classes(tmp_path: Path, model: str) -> Dict[str, List[str]]:
    """The attrs classes alive in a fresh process after one call of ``model`` (loopback)."""
    from loopback import LoopbackServer

    with LoopbackServer() as server:
        found: Dict[str, List[str]] = run_fresh(
            _FIRST_CALL_CLASSES, server.url, model, home=tmp_path
        )
    return found


def test_a_first_http_call_builds_only_the_attrs_classes_listed(tmp_path: Path) -> None:
    """Each attrs class costs its construction at a cold start (issue 24): a first
    call builds only the ones listed, and not the GenerateConfigArgs TypedDict."""
    found = _first_call_classes(tmp_path, "openai/gpt-4o")
    assert FIRST_CALL_NEEDS <= set(found["built"])
    assert set(found["built"]) - FIRST_CALL_NEEDS <= FIRST_CALL_STILL_BUILDS
    assert found["typed_dicts"] == []


def test_a_first_call_of_a_priced_model_builds_its_model_info_too(tmp_path: Path) -> None:
    """Pricing a call parses the model's table entry (``ModelInfo``, ``ModelCost``);
    a model the table does not list (``openai/gpt-4o`` above) builds neither."""
    found = _first_call_classes(tmp_path, "openai/gpt-5-mini")
    allowed = FIRST_CALL_NEEDS | FIRST_CALL_STILL_BUILDS | PRICED_FIRST_CALL_BUILDS
    assert set(found["built"]) - allowed == set()
    assert {"modelkit.info._types.ModelCost", "modelkit.info._types.ModelInfo"} <= set(
        found["built"]
    )


def test_every_attrs_class_a_first_call_may_build_is_a_public_type() -> None:
    """The lists above hold public types only: an internal record built as an attrs
    class again (or a private class added to a list to make the test pass) fails here."""
    import importlib

    import modelkit.info

    exported = [getattr(modelkit, name) for name in modelkit.__all__]
    exported += [getattr(modelkit.info, name) for name in modelkit.info.__all__]
    public = {
        f"{value.__module__}.{value.__qualname__}" for value in exported if isinstance(value, type)
    }
    listed = FIRST_CALL_NEEDS | FIRST_CALL_STILL_BUILDS | PRICED_FIRST_CALL_BUILDS
    assert listed - public == set()
    for name in INTERNAL_RECORDS:
        module, _, short = name.rpartition(".")
        assert name not in public
        cls = getattr(importlib.import_module(module), short)
        assert not hasattr(cls, "__attrs_attrs__"), name
        assert issubclass(cls, Record) and "__dict__" not in dir(cls), name


def test_the_design_floor_defines_the_classes_a_first_call_needs_with_their_fields() -> None:
    """``benchmarks/cold_floor.py`` (the design's own cold-start floor) defines
    each class of ``FIRST_CALL_NEEDS`` with modelkit's own fields (names,
    order) and the same validators and converters, so the floor it measures
    stays the one modelkit's design cannot go below."""
    import ast
    import importlib

    import attrs

    source = (Path(__file__).resolve().parents[1] / "benchmarks" / "cold_floor.py").read_text()
    floor = {node.name: node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)}
    assert set(floor) == {name.rsplit(".", 1)[1] for name in FIRST_CALL_NEEDS}
    for name in FIRST_CALL_NEEDS:
        module, _, short = name.rpartition(".")
        cls = getattr(importlib.import_module(module), short)
        own = [field for field in attrs.fields(cls) if not field.inherited]
        mirrored = [
            statement for statement in floor[short].body if isinstance(statement, ast.AnnAssign)
        ]
        assert [getattr(s.target, "id", None) for s in mirrored] == [f.name for f in own], name
        for field, statement in zip(own, mirrored):
            keywords = {
                keyword.arg
                for node in ast.walk(statement)
                if isinstance(node, ast.Call)
                for keyword in node.keywords
            }
            assert ("validator" in keywords) == (field.validator is not None), (name, field.name)
            assert ("converter" in keywords) == (field.converter is not None), (name, field.name)
