"""Model arguments that change the answer are part of the cache key (issue 16, point 11).

Anthropic's ``thinking=``/``betas=`` and Bedrock's
``additional_model_request_fields=`` used to be left out: a second model
got the first one's cached answer. Every model argument is now keyed except
those a provider names in ``cache_ignores`` (a billing organization, a
region, a signing clock, mockllm's script). Responses are mocked with
``responses`` in the shapes of https://platform.claude.com/docs/en/api/messages
and the Bedrock Converse API reference
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
from the same fixtures as the provider tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import responses

from modelkit import get_model
from modelkit.cache import _store as _cache_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
BEDROCK = re.compile(r"https://bedrock-runtime\.[a-z0-9-]+\.amazonaws\.com/model/.*/converse")


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    _cache_store.close_thread_connections()


def _asked(spec: str, url: Any, fixture: str, **args: Any) -> int:
    """Requests made for one cached generate with ``args`` (0: a cache hit)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.POST,
            url,
            json=json.loads((FIXTURES / fixture).read_text(encoding="utf-8")),
            status=200,
        )
        get_model(spec, api_key="test-key-not-real", memoize=False, **args).generate(
            "What is 2+2?", cache=True
        )
        return len(mock.calls)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"thinking": "adaptive"}),
        ({"thinking": "adaptive"}, {"thinking": "budget"}),
        ({}, {"betas": ["context-1m-2025-08-07"]}),
        ({"betas": ["a"]}, {"betas": ["b"]}),
    ],
)
def test_anthropic_thinking_and_betas_are_in_the_key(
    first: Dict[str, Any], second: Dict[str, Any]
) -> None:
    spec, fixture = "anthropic/claude-sonnet-4-5", "anthropic/text.response.json"
    assert _asked(spec, ANTHROPIC, fixture, **first) == 1
    assert _asked(spec, ANTHROPIC, fixture, **first) == 0  # the same arguments hit
    assert _asked(spec, ANTHROPIC, fixture, **second) == 1


def test_bedrock_additional_model_request_fields_are_in_the_key_and_region_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    spec, fixture = "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock/chat.response.json"
    top_k = {"additional_model_request_fields": {"top_k": 5}}
    assert _asked(spec, BEDROCK, fixture) == 1
    assert _asked(spec, BEDROCK, fixture, **top_k) == 1
    assert _asked(spec, BEDROCK, fixture, additional_model_request_fields={"top_k": 6}) == 1
    assert _asked(spec, BEDROCK, fixture, **top_k) == 0
    assert _asked(spec, BEDROCK, fixture, region="eu-west-1", **top_k) == 0  # same model


def test_openai_organization_does_not_split_the_cache() -> None:
    url, fixture = "https://api.openai.com/v1/chat/completions", "openai/length.response.json"
    assert _asked("openai/gpt-4o", url, fixture, organization="org-a") == 1
    assert _asked("openai/gpt-4o", url, fixture, organization="org-b") == 0
