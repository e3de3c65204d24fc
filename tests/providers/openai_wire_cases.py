"""Fixture-driven wire cases shared by the OpenAI-family provider tests.

A case is a set of files under ``tests/fixtures/<provider>/``:

- ``<case>.input.json``: what the caller gives modelkit: ``model`` (the
  ``get_model`` spec), optional ``model_args``, ``env``, ``api_key``,
  ``url`` and ``headers`` (expected on the request), ``input`` (message
  dicts; ``@fixtures/...`` names a file under ``tests/fixtures``),
  ``tools``, ``tool_choice``, ``config``, and ``raises`` (an exception name)
  for error cases;
- ``<case>.request.json``: the exact body expected on the wire, shaped as
  the provider's API reference documents it;
- ``<case>.response.json`` (HTTP 200) or ``<case>.error.json``
  (``{"status", "headers", "body"}``): what the server answers;
- ``<case>.output.json``: the expected ``ModelOutput.to_dict()`` (``time``
  left out), for cases that do not raise.

:func:`run_case` checks all of it through ``Model.generate`` with
``responses`` standing in for the server, and checks that the API key
appears in none of the output, the error or the recorded ``ModelCall``.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from responses import matchers
from wire import without_message_ids

import modelkit.errors
from modelkit import _support, get_model
from modelkit.messages import message_from_dict
from modelkit.model import Model
from modelkit.tools import ToolFunction, ToolInfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FAKE_KEY = "sk-test-not-a-real-key"


def case_names(provider: str) -> List[str]:
    """The cases under ``tests/fixtures/<provider>/``, sorted."""
    folder = FIXTURES / provider
    return sorted(p.name[: -len(".input.json")] for p in folder.glob("*.input.json"))


def load(provider: str, case: str, suffix: str) -> Any:
    """A fixture file's JSON, or ``None`` when the case has no such file."""
    path = FIXTURES / provider / f"{case}.{suffix}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _resolve_paths(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@fixtures/"):
        return str(FIXTURES / value[len("@fixtures/") :])
    if isinstance(value, list):
        return [_resolve_paths(item) for item in value]
    if isinstance(value, dict):
        return {key: _resolve_paths(item) for key, item in value.items()}
    return value


def make_model(spec: Dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Model:
    """The model a case names, with its environment and a fake key."""
    # Not cleared by tests/conftest.py, but read by the azure provider.
    monkeypatch.delenv("OPENAI_API_VERSION", raising=False)
    for name, value in spec.get("env", {}).items():
        monkeypatch.setenv(name, value)
    api_key = spec.get("api_key", FAKE_KEY)
    return get_model(spec["model"], api_key=api_key, memoize=False, **spec.get("model_args", {}))


def case_request(spec: Dict[str, Any]) -> Tuple[List[Any], List[ToolInfo], Any, Dict[str, Any]]:
    """``(input, tools, tool_choice, config)`` for ``Model.generate``."""
    messages = [message_from_dict(m) for m in _resolve_paths(spec["input"])]
    tools = [ToolInfo.from_dict(t) for t in spec.get("tools", [])]
    choice = spec.get("tool_choice")
    if isinstance(choice, dict):
        choice = ToolFunction(name=choice["name"])
    return messages, tools, choice, spec.get("config", {})


def _mock(
    mock: responses.RequestsMock, spec: Dict[str, Any], body: Optional[Any], answer: Dict[str, Any]
) -> None:
    url = urlsplit(spec["url"])
    match = []
    if body is not None:
        match.append(matchers.json_params_matcher(body, strict_match=True))
    if spec.get("headers"):
        match.append(matchers.header_matcher(spec["headers"]))
    if url.query:
        match.append(matchers.query_param_matcher(dict(parse_qsl(url.query))))
    mock.add(
        responses.POST,
        url._replace(query="").geturl(),
        json=answer["body"],
        status=answer["status"],
        headers=answer.get("headers", {}),
        match=match,
    )


def run_case(provider: str, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Check one case end to end (see the module docstring)."""
    spec = load(provider, case, "input")
    expected_body = load(provider, case, "request")
    error = load(provider, case, "error")
    answer = error or {"status": 200, "body": load(provider, case, "response")}
    model = make_model(spec, monkeypatch)
    messages, tools, choice, config = case_request(spec)

    # 1. The request modelkit builds is the documented body, byte for byte in JSON terms;
    # the config fields the API has no parameter for are each named in a ConfigWarning.
    monkeypatch.setattr(_support, "_warned", set())
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        request = model.prepare(messages, tools, choice, config)
    named = re.findall(r"GenerateConfig\.(\w+)", " ".join(str(w.message) for w in said))
    assert sorted(named) == sorted(spec.get("warns", []))
    built = model.api.build_request(  # type: ignore[attr-defined]
        request.input, request.tools, request.tool_choice, request.config
    )
    assert built.url == spec["url"]
    if expected_body is not None:
        assert built.body == expected_body

    # 2. What is actually sent through Model.generate, and what comes back.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _mock(mock, spec, expected_body, answer)
        if spec.get("raises"):
            kind = getattr(modelkit.errors, spec["raises"])
            with pytest.raises(kind) as caught:
                model.generate(messages, tools, choice, config)
            assert type(caught.value) is kind, f"{type(caught.value).__name__} is not {kind}"
            _assert_no_key(str(caught.value), repr(caught.value), caught.value.body)
            _assert_no_key(caught.value.headers, caught.value.message)
            call = getattr(caught.value, "call", None)
            if call is not None:
                _assert_no_key(call.to_dict())
            assert caught.value.status == answer["status"]
            assert caught.value.provider == model.api.provider
            output = None
        else:
            output = model.generate(messages, tools, choice, config)
            got = without_message_ids(output.to_dict())
            got.pop("time", None)
            assert got == load(provider, case, "output")
            _assert_no_key(got)
            if output.call is not None:
                _assert_no_key(output.call.to_dict())
                assert output.call.url == built.url

    # 3. The recorded ModelCall carries no key either.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _mock(mock, spec, expected_body, answer)
        result, call = model.api.generate(  # type: ignore[misc]
            request.input, request.tools, request.tool_choice, request.config
        )
        _assert_no_key(call.to_dict(), repr(result), str(result))
        assert call.status == answer["status"]


def _assert_no_key(*values: Any) -> None:
    for value in values:
        text = value if isinstance(value, str) else json.dumps(value, default=repr)
        assert FAKE_KEY not in text
