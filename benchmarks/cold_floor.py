"""The design's own floor for a cold start: what modelkit's design cannot avoid.

``import requests`` and ``import attrs``, the attrs classes a first
``generate`` of ``openai/gpt-4o`` instantiates, defined with the same
fields and options as modelkit's (the 8 below, listed in
``tests/test_package.py``'s ``FIRST_CALL_NEEDS``: the 7 public types a first
call makes an instance of, and ``ChatMessageBase``, their base; a
validator or converter on the same fields, the same
``kw_only``/``init``/``eq``/``repr`` flags), then one ``requests.post`` and
``.json()``, as the floor does. modelkit's internal records (the request,
HTTP request and response, wire and parse options, retry policy) are
plain classes, not attrs classes, so they are not part of this floor. Run as ``python cold_floor.py URL BODY``
by ``bench_import.py`` beside the floor, in the same run: no import of
modelkit and no other work, so modelkit's first call cannot cost less than
this while its types stay attrs classes. Validators and converters are
one shared no-op: what attrs' class construction costs does not depend on
what they check.
"""

from __future__ import annotations

import sys
from typing import Any

import attrs
import requests


def _check(instance: Any, attribute: Any, value: Any) -> None:
    """A validator: attrs builds the same code for any callable."""


def _convert(value: Any) -> Any:
    return value


@attrs.define(kw_only=True)
class GenerateConfig:
    max_retries: Any = attrs.field(default=None, validator=_check)
    timeout: Any = attrs.field(default=None, validator=_check)
    max_connections: Any = attrs.field(default=None, validator=_check)
    requests_per_minute: Any = attrs.field(default=None, validator=_check)
    tokens_per_minute: Any = attrs.field(default=None, validator=_check)
    system_message: Any = None
    max_tokens: Any = attrs.field(default=None, validator=_check)
    top_p: Any = attrs.field(default=None, validator=_check)
    temperature: Any = attrs.field(default=None, validator=_check)
    stop_seqs: Any = attrs.field(default=None, validator=_check)
    best_of: Any = attrs.field(default=None, validator=_check)
    frequency_penalty: Any = attrs.field(default=None, validator=_check)
    presence_penalty: Any = attrs.field(default=None, validator=_check)
    logit_bias: Any = attrs.field(default=None, validator=_check, converter=_convert)
    seed: Any = attrs.field(default=None, validator=_check)
    top_k: Any = attrs.field(default=None, validator=_check)
    num_choices: Any = attrs.field(default=None, validator=_check)
    logprobs: Any = attrs.field(default=None, validator=_check)
    top_logprobs: Any = attrs.field(default=None, validator=_check)
    parallel_tool_calls: Any = attrs.field(default=None, validator=_check)
    internal_tools: Any = attrs.field(default=None, validator=_check)
    max_tool_output: Any = attrs.field(default=None, validator=_check)
    cache_prompt: Any = attrs.field(default=None, validator=_check)
    reasoning_effort: Any = attrs.field(default=None, validator=_check)
    reasoning_history: Any = attrs.field(default=None, validator=_check)
    cache: Any = attrs.field(default=None, validator=_check)
    batch: Any = attrs.field(default=None, converter=_convert)
    attempt_timeout: Any = attrs.field(default=None, validator=_check)
    adaptive_connections: Any = attrs.field(default=None, validator=_check, converter=_convert)
    prompt_logprobs: Any = attrs.field(default=None, validator=_check)
    fallback_models: Any = attrs.field(default=None, validator=_check)
    fail_on_refusal: Any = attrs.field(default=None, validator=_check)
    verbosity: Any = attrs.field(default=None, validator=_check)
    effort: Any = attrs.field(default=None, validator=_check)
    reasoning_mode: Any = attrs.field(default=None, validator=_check)
    reasoning_tokens: Any = attrs.field(default=None, validator=_check)
    reasoning_summary: Any = attrs.field(default=None, validator=_check)
    extra_headers: Any = attrs.field(default=None, validator=_check)
    extra_body: Any = attrs.field(default=None, validator=_check)
    modalities: Any = attrs.field(default=None, validator=_check, converter=_convert)
    stream_idle_timeout: Any = attrs.field(default=None, validator=_check)
    response_schema: Any = attrs.field(default=None, converter=_convert)


@attrs.define
class ChatMessageBase:
    content: Any
    source: Any = attrs.field(default=None, kw_only=True)
    id: Any = attrs.field(default=None, kw_only=True, eq=False)
    metadata: Any = attrs.field(default=None, kw_only=True)
    role: Any = attrs.field(default=None, init=False)


@attrs.define
class ChatMessageUser(ChatMessageBase):
    tool_call_id: Any = attrs.field(default=None, kw_only=True)
    role: Any = attrs.field(default=None, init=False)


@attrs.define
class ChatMessageAssistant(ChatMessageBase):
    tool_calls: Any = attrs.field(default=None, kw_only=True)
    reasoning: Any = attrs.field(default=None, kw_only=True)
    model: Any = attrs.field(default=None, kw_only=True)
    role: Any = attrs.field(default=None, init=False)


@attrs.define
class ModelUsage:
    input_tokens: Any = None
    output_tokens: Any = None
    total_tokens: Any = None
    input_tokens_cache_write: Any = None
    input_tokens_cache_read: Any = None
    reasoning_tokens: Any = None
    total_cost: Any = None


@attrs.define
class ChatCompletionChoice:
    message: Any
    stop_reason: Any = None
    logprobs: Any = None
    prompt_logprobs: Any = None
    stop_details: Any = attrs.field(default=None, kw_only=True)


@attrs.define
class ModelOutput:
    model: Any = None
    choices: Any = None
    usage: Any = None
    time: Any = None
    metadata: Any = None
    error: Any = None
    cached: Any = None
    fallback: Any = None
    call: Any = attrs.field(default=None, eq=False, repr=False)


@attrs.define
class ModelCall:
    request: Any
    response: Any = None
    time: Any = None
    status: Any = None
    url: Any = None
    headers: Any = None
    total_cost: Any = None
    request_ids: Any = None
    _pending: Any = attrs.field(default=None, init=False, eq=False, repr=False)


def first_call(url: str, body: str) -> Any:
    """The floor's one post and ``.json()``."""
    return requests.post(
        url + "/v1/chat/completions",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer sk-bench"},
    ).json()


if __name__ == "__main__":
    first_call(sys.argv[1], sys.argv[2])
