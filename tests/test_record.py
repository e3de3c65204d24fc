"""modelkit's internal records (``_record.Record``): plain slotted classes that keep
what they had as attrs classes: a repr naming each field (credentials redacted),
equality and hashing by fields, ``replace`` for ``attrs.evolve``, and pickling
(issue 24, cold start: each attrs class cost about 4 M instructions to build)."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Callable, List

import pytest

from modelkit._engine.response import HttpResponse
from modelkit._engine.retry import Backoff, Decision, Retrying, RetryPolicy
from modelkit._prepare import GenerateRequest
from modelkit._record import Record
from modelkit._response_headers import ResponseHeaders
from modelkit.config import GenerateConfig
from modelkit.messages import ChatMessageUser
from modelkit.providers._rest import HttpRequest
from modelkit.providers.openai._request import WireOptions
from modelkit.providers.openai._response import ParseOptions


def _no_jitter() -> float:
    return 0.0


MAKERS: List[Callable[[], Record]] = [
    lambda: GenerateRequest(
        input=[ChatMessageUser(content="hi")], tools=[], tool_choice="none", config=GenerateConfig()
    ),
    lambda: ResponseHeaders({"x-request-id": "req_1"}, 200),
    lambda: HttpResponse(200, {"content-type": "application/json"}, b"{}", 0.25),
    lambda: HttpRequest("http://127.0.0.1/v1", {"Content-Type": "application/json"}, {"a": 1}),
    lambda: WireOptions(system_role="developer", unsupported=frozenset({"seed"})),
    lambda: ParseOptions(think_tags=True),
    lambda: Backoff(initial=1.0),
    lambda: RetryPolicy(max_retry_after=60.0),
    lambda: Retrying(policy=RetryPolicy(Backoff(jitter=0.0)), random=_no_jitter),
    lambda: Decision(1.5, "backoff"),
]


@pytest.mark.parametrize("make", MAKERS)
def test_a_record_has_fields_only_and_compares_by_them(make: Callable[[], Record]) -> None:
    record = make()
    assert not hasattr(record, "__dict__") and not hasattr(type(record), "__attrs_attrs__")
    assert record == make() and not (record != make())
    assert record != object()
    first = record.__slots__[0]
    changed = record.replace(**{first: "other"})
    assert getattr(changed, first) == "other" and changed != record
    assert [getattr(changed, name) for name in record.__slots__[1:]] == [
        getattr(record, name) for name in record.__slots__[1:]
    ]
    assert getattr(record, first) != "other"  # replace made a new one
    text = repr(record)
    assert text.startswith(type(record).__name__ + "(")
    assert all(f"{name}=" in text for name in record.__slots__)


@pytest.mark.parametrize("make", MAKERS)
def test_a_record_pickles_and_copies(make: Callable[[], Record]) -> None:
    record = make()  # (Retrying holds functions: they pickle by name)
    assert pickle.loads(pickle.dumps(record)) == record
    assert copy.copy(record) == record and copy.deepcopy(record) == record


def test_frozen_records_hash_by_fields_and_a_changing_one_does_not_hash() -> None:
    assert (
        hash(Backoff()) == hash(Backoff()) and len({Decision(None, "x"), Decision(None, "x")}) == 1
    )
    assert hash(WireOptions()) == hash(WireOptions())
    with pytest.raises(TypeError):
        hash(ResponseHeaders())


def test_replace_refuses_a_field_the_record_does_not_have() -> None:
    with pytest.raises(TypeError, match="Backoff has no field 'initail'"):
        Backoff().replace(initail=1.0)


def test_an_http_request_repr_shows_no_credential() -> None:
    request = HttpRequest(
        "http://127.0.0.1/v1", {"Authorization": "Bearer sk-secret-123", "x-api-key": "sk-ant-9"}
    )
    text = repr(request)
    assert "sk-secret-123" not in text and "sk-ant-9" not in text
    assert "Authorization" in text and "http://127.0.0.1/v1" in text
    assert request.body == {} and HttpRequest("u", {}).body is not request.body


def test_defaults_are_those_the_attrs_classes_had() -> None:
    assert (Backoff().initial, Backoff().multiplier, Backoff().maximum, Backoff().jitter) == (
        0.5,
        2.0,
        30.0,
        0.25,
    )
    assert RetryPolicy().backoff == Backoff() and RetryPolicy().max_retry_after == 120.0
    assert Retrying().policy == RetryPolicy()
    wire: Any = WireOptions()
    assert (wire.system_role, wire.max_tokens_field, wire.reasoning_effort) == (
        "system",
        "max_tokens",
        "reasoning_effort",
    )
    assert (wire.response_format, wire.server_tools, wire.unsupported) == (
        "json_schema",
        "openai",
        frozenset(),
    )
    assert ParseOptions() == ParseOptions(False, False, False)
    assert ResponseHeaders() == ResponseHeaders(None, None)
