"""Tests for ``modelkit.providers._common``: the helpers provider modules share."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from modelkit.messages import ContentImage, ContentReasoning, ContentText
from modelkit.providers._common import (
    append_turn,
    as_parts,
    assistant_message,
    env_first,
    scrub_secrets,
    versioned_url,
)
from modelkit.tools import ToolCall

CALL = ToolCall(id="t1", function="add", arguments={"x": 1})


# --- assistant_message ------------------------------------------------------------


def test_no_parts_is_empty_text() -> None:
    message = assistant_message([], [], "m")
    assert message.content == ""
    assert message.tool_calls is None
    assert message.reasoning is None
    assert message.model == "m"
    assert message.source == "generate"


def test_a_single_text_part_is_a_string() -> None:
    for join in (False, True):
        message = assistant_message([ContentText(text="hi")], [CALL], "m", join_texts=join)
        assert message.content == "hi"
        assert message.tool_calls == [CALL]


def test_several_text_parts_are_joined_only_when_asked() -> None:
    parts = [ContentText(text="a"), ContentText(text="b")]
    assert assistant_message(parts, [], "m").content == parts
    assert assistant_message(parts, [], "m", join_texts=True).content == "ab"


def test_reasoning_and_media_keep_the_parts() -> None:
    parts = [
        ContentReasoning(reasoning="first"),
        ContentReasoning(reasoning="", signature="sig", redacted=True),
        ContentReasoning(reasoning="second"),
        ContentText(text="answer"),
    ]
    message = assistant_message(parts, [], "m", join_texts=True)
    assert message.content == parts
    assert message.reasoning == "first\n\nsecond"
    image = [ContentImage(image="data:image/png;base64,AA==")]
    assert assistant_message(image, [], "m", join_texts=True).content == image


# --- settings -------------------------------------------------------------------


def test_env_first_skips_unset_and_empty_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MK_COMMON_A", "")
    monkeypatch.setenv("MK_COMMON_B", "second")
    monkeypatch.setenv("MK_COMMON_C", "third")
    assert env_first("MK_COMMON_UNSET", "MK_COMMON_A", "MK_COMMON_B", "MK_COMMON_C") == "second"
    assert env_first("MK_COMMON_UNSET", "MK_COMMON_A") is None
    assert env_first() is None


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("https://api.example.com", "https://api.example.com/v1/messages"),
        ("https://api.example.com/", "https://api.example.com/v1/messages"),
        ("https://proxy.example.com/v1", "https://proxy.example.com/v1/messages"),
        ("https://proxy.example.com/v1/", "https://proxy.example.com/v1/messages"),
        ("https://proxy.example.com/v2", "https://proxy.example.com/v2/v1/messages"),
    ],
)
def test_versioned_url_adds_the_version_once(root: str, expected: str) -> None:
    assert versioned_url(root, "v1", "messages") == expected


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("https://g.example.com", "https://g.example.com/v1beta/models/m:go"),
        ("https://g.example.com/v1", "https://g.example.com/v1/models/m:go"),
        ("https://g.example.com/v1alpha/", "https://g.example.com/v1alpha/models/m:go"),
        ("https://g.example.com/v2beta1", "https://g.example.com/v2beta1/models/m:go"),
        ("https://g.example.com/vertex", "https://g.example.com/vertex/v1beta/models/m:go"),
    ],
)
def test_versioned_url_can_keep_any_version(root: str, expected: str) -> None:
    assert versioned_url(root, "v1beta", "models/m:go", any_version=True) == expected


# --- requests -------------------------------------------------------------------


def test_as_parts() -> None:
    assert as_parts("hi") == [ContentText(text="hi")]
    parts = (ContentText(text="a"), ContentReasoning(reasoning="r"))
    assert as_parts(parts) == list(parts)
    assert as_parts([]) == []


def test_append_turn_merges_runs_of_one_role() -> None:
    turns: List[Dict[str, Any]] = []
    append_turn(turns, "user", [{"text": "a"}])
    append_turn(turns, "user", [{"text": "b"}])
    append_turn(turns, "assistant", [])
    append_turn(turns, "assistant", [{"text": "c"}])
    append_turn(turns, "user", [{"text": "d"}], key="content")
    assert turns == [
        {"role": "user", "content": [{"text": "a"}, {"text": "b"}]},
        {"role": "assistant", "content": [{"text": "c"}]},
        {"role": "user", "content": [{"text": "d"}]},
    ]
    parts: List[Dict[str, Any]] = []
    append_turn(parts, "model", [{"text": "x"}], key="parts")
    append_turn(parts, "model", [{"text": "y"}], key="parts")
    assert parts == [{"role": "model", "parts": [{"text": "x"}, {"text": "y"}]}]


# --- responses ------------------------------------------------------------------


def test_scrub_secrets_in_text_and_json() -> None:
    assert scrub_secrets("key sk-123 leaked", ["sk-123", None, ""]) == "key [redacted] leaked"
    body = {"error": {"message": "bad key sk-123", "items": ["sk-123", 1]}}
    assert scrub_secrets(body, ["sk-123"]) == {
        "error": {"message": "bad key [redacted]", "items": ["[redacted]", 1]}
    }
    assert scrub_secrets(body, ["absent"]) is body
    assert scrub_secrets(None, ["x"]) is None
