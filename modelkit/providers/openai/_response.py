"""Read OpenAI chat-completions responses and errors (shared by the OpenAI family).

Pure converters from a response body to a ``ModelOutput``: every choice,
``finish_reason`` through :data:`FINISH_REASONS`, tool calls with their
JSON arguments parsed (arguments that do not parse are kept on the
``ToolCall``, not raised), refusals, ``url_citation`` annotations (as
citations on the text), reasoning text from compatible servers
(``reasoning_content``, ``reasoning``, a leading ``<think>`` block), logprobs
in either the chat shape or the legacy ``tokens``/``token_logprobs`` shape,
and usage with cached and reasoning tokens. :func:`error_from_response`
maps error responses to modelkit's exceptions; :func:`output_for_error`
turns the errors that are really answers (context overflow, a content
filter) into a ``ModelOutput``, as Inspect does. A refusal or a filtered
choice gets ``StopDetails`` (:func:`stop_details`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping  # isinstance() against it: typing.Mapping adds a Python layer
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ..._json import loads as strict_json
from ..._record import Record
from ...errors import APIError, BadRequestError, QuotaExceededError
from ...messages import ChatMessageAssistant
from ...output import ChatCompletionChoice, ModelOutput, ModelUsage, StopReason
from .._common import settled_stop_details
from .._fields import content_of, count
from .._rest import error_from_status

if TYPE_CHECKING:
    from ..._content import Content
    from ..._output_parts import Logprob, Logprobs, StopCategory, StopDetails
    from ...tools._records import ToolCall

__all__ = [
    "FINISH_REASONS",
    "ParseOptions",
    "assistant_from_wire",
    "error_from_response",
    "output_for_error",
    "parse_completion",
    "parse_logprobs",
    "parse_tool_call",
    "parse_usage",
    "prompt_logprobs",
    "stop_details",
]

FINISH_REASONS: Dict[str, StopReason] = {
    "stop": "stop",
    "eos": "stop",  # Together
    "length": "max_tokens",
    "model_length": "model_length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",  # the legacy functions API
    "content_filter": "content_filter",
}
"""``finish_reason`` -> ``StopReason``; anything else is ``"unknown"``."""

_CONTEXT_CODES = frozenset({"context_length_exceeded"})
_FILTER_CODES = frozenset({"content_filter", "content_policy_violation", "invalid_prompt"})
_POLICY_CODES = frozenset({"bio_policy", "cyber_policy"})
"""Refusal codes Inspect maps to a ``content_filter`` stop (``cyber`` its category)."""


class ParseOptions(Record):
    """How to read one server's responses.

    Args:
        think_tags: a leading ``<think>...</think>`` block in the content is
            the model's reasoning (servers that leave it in the text); a
            block that never closes is reasoning to the end (``_think.THINK``).
        reasoning_parts: also put reasoning into the content as a
            ``ContentReasoning`` part, so it can be sent back.
        reported_cost: ``usage.cost`` is what the server charged for the
            call, in dollars (OpenRouter), and becomes ``usage.total_cost``.
    """

    __slots__ = ("reasoning_parts", "reported_cost", "think_tags")

    think_tags: bool
    reasoning_parts: bool
    reported_cost: bool

    def __init__(
        self, think_tags: bool = False, reasoning_parts: bool = False, reported_cost: bool = False
    ) -> None:
        self.think_tags = think_tags
        self.reasoning_parts = reasoning_parts
        self.reported_cost = reported_cost


def parse_completion(body: Mapping[str, Any], model: str, options: ParseOptions) -> ModelOutput:
    """A ``ModelOutput`` from a ``chat.completion`` body.

    A refusal becomes the message's content (as Inspect does) and, since it
    is the model declining, also ``ModelOutput.error`` (the first one).
    """
    model = body.get("model") or model
    choices: List[ChatCompletionChoice] = []
    refusals: List[str] = []
    wire = body["choices"]
    if len(wire) > 1:
        wire = sorted(wire, key=_index)
    for choice in wire:
        parsed, refusal = _parse_choice(choice, model, options)
        choices.append(parsed)
        if refusal:
            refusals.append(refusal)
    metadata = None
    response_id, fingerprint = body.get("id"), body.get("system_fingerprint")
    if response_id or fingerprint:  # (each set one, in this order; no comprehension frame)
        metadata = {"id": response_id} if response_id else {}
        if fingerprint:
            metadata["system_fingerprint"] = fingerprint
    return ModelOutput(
        model=model,
        choices=choices,
        usage=parse_usage(body.get("usage"), options.reported_cost),
        metadata=metadata or None,
        error=refusals[0] if refusals else None,
    )


def _index(choice: Mapping[str, Any]) -> Any:
    return choice.get("index") or 0


def _parse_choice(
    choice: Mapping[str, Any], model: str, options: ParseOptions
) -> Tuple[ChatCompletionChoice, Optional[str]]:
    assistant, refusal = assistant_from_wire(choice.get("message") or {}, model, options)
    stop = FINISH_REASONS.get(choice.get("finish_reason") or "", "unknown")
    logprobs = choice.get("logprobs")  # (the readers below are called only when there is
    # something to read: each call costs every answer)
    return (
        ChatCompletionChoice(
            message=assistant,
            stop_reason=stop,
            logprobs=None if logprobs is None else parse_logprobs(logprobs),
            stop_details=(
                stop_details(choice, refusal)
                if refusal or choice.get("content_filter_results")
                else None
            ),
        ),
        refusal,
    )


def assistant_from_wire(
    message: Mapping[str, Any], model: str, options: ParseOptions
) -> Tuple[ChatMessageAssistant, Optional[str]]:
    """The assistant message of a wire ``message`` (a response's or a request's), and its refusal.

    A refusal is the message's content (as Inspect does).
    """
    refusal = message.get("refusal")
    if not isinstance(refusal, str):
        refusal = None
    text = refusal
    if not text:
        text = message.get("content")
        if type(text) is not str:
            text = _text(content_of(text))
    reasoning = details = None
    if "reasoning_content" in message or "reasoning" in message or "reasoning_details" in message:
        reasoning, details = _reasoning(message)
    if reasoning is None and options.think_tags:
        from .._think import THINK  # servers that put reasoning in <think> tags only

        match = THINK.match(text)
        if match:
            reasoning, text = match.group(1).strip(), text[match.end() :]
    annotations = message.get("annotations")
    citations = None
    if annotations:  # (url citations: web search answers; a plain answer has none)
        from ._citations import annotations_to_citations

        citations = annotations_to_citations(annotations)
    content: Any = text
    with_reasoning = reasoning is not None and options.reasoning_parts
    if citations or with_reasoning:  # content parts: their classes load with the first
        from ..._content import ContentReasoning, ContentText

        if citations:
            content = [ContentText(text=text, citations=citations)]
        if with_reasoning:
            data = json.dumps(details) if details else None
            parts: List[Content] = [ContentReasoning(reasoning=reasoning or "", data=data)]
            if text:
                parts.append(ContentText(text=text, citations=citations))
            content = parts
    wire_calls = message.get("tool_calls")
    calls = [parse_tool_call(call, i) for i, call in enumerate(wire_calls)] if wire_calls else None
    assistant = ChatMessageAssistant(
        content=content,
        tool_calls=calls or None,
        reasoning=reasoning,
        model=model,
        source="generate",
    )
    return assistant, refusal


def stop_details(choice: Mapping[str, Any], refusal: Optional[str]) -> Optional[StopDetails]:
    """``StopDetails`` for a refusal or a content filter, as Inspect reads them.

    The refusal text is the explanation; Azure's ``content_filter_results``
    give the categories, only those that were ``filtered`` (a category
    merely ``detected`` can come with a normal answer).
    """
    categories = _filtered(choice.get("content_filter_results"))
    if not categories and not refusal:
        return None
    kind = "content_filter" if choice.get("finish_reason") == "content_filter" else "refusal"
    from ..._output_parts import StopDetails  # built by the first refusal or filter

    return settled_stop_details(StopDetails(type=kind, explanation=refusal, categories=categories))


def _filtered(results: Any) -> List[StopCategory]:
    """The categories Azure's ``content_filter_results`` marks ``filtered``."""
    categories: List[StopCategory] = []
    if isinstance(results, Mapping):
        for name, info in results.items():
            if isinstance(info, Mapping) and info.get("filtered"):
                from ..._output_parts import StopCategory

                level = info.get("severity")
                categories.append(
                    StopCategory(category=str(name), level=None if level is None else str(level))
                )
    return categories


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    # Some compatible servers answer with content parts.
    return "".join(
        part.get("text") or "" for part in content if isinstance(part, dict) and "text" in part
    )


def _reasoning(message: Mapping[str, Any]) -> Tuple[Optional[str], Optional[List[Any]]]:
    details = message.get("reasoning_details")
    details = details if isinstance(details, list) and details else None
    for field in ("reasoning_content", "reasoning"):
        value = message.get(field)
        if isinstance(value, str) and value:
            return value, details
    if details:
        texts = [d.get("text") or d.get("summary") or "" for d in details if isinstance(d, dict)]
        return "\n".join(t for t in texts if t), details
    return None, None


def parse_tool_call(call: Mapping[str, Any], index: int = 0) -> ToolCall:
    """A ``ToolCall``; arguments that are not a JSON object are kept and reported."""
    from ...tools._records import ToolCall  # built by the first tool call

    function = call.get("function") or {}
    raw = function.get("arguments")
    call_id = call.get("id") or f"call_{index}"
    name = function.get("name") or ""
    if isinstance(raw, dict):  # some servers send an object, not a JSON string
        return ToolCall(id=call_id, function=name, arguments=raw)
    if raw is None or not str(raw).strip():
        return ToolCall(id=call_id, function=name, arguments={})
    try:
        arguments = strict_json(raw)
    except ValueError as exc:
        error = f"tool call arguments are not valid JSON ({exc})"
        return ToolCall(id=call_id, function=name, parse_error=error, raw_arguments=raw)
    if not isinstance(arguments, dict):
        error = f"tool call arguments must be a JSON object, got {type(arguments).__name__}"
        return ToolCall(id=call_id, function=name, parse_error=error, raw_arguments=raw)
    return ToolCall(id=call_id, function=name, arguments=arguments)


def parse_logprobs(data: Any) -> Optional[Logprobs]:
    """Logprobs from the chat shape (``content: [...]``) or the legacy one."""
    if not isinstance(data, Mapping):
        return None
    from ..._output_parts import Logprob, Logprobs, TopLogprob  # built by the first logprobs

    if isinstance(data.get("content"), list):
        return Logprobs(content=[_logprob(entry) for entry in data["content"]])
    tokens, values = data.get("tokens"), data.get("token_logprobs")
    if isinstance(tokens, list) and isinstance(values, list):
        tops = data.get("top_logprobs") or []
        content = []
        for i, (token, value) in enumerate(zip(tokens, values)):
            top = tops[i] if i < len(tops) and isinstance(tops[i], Mapping) else None
            content.append(
                Logprob(
                    token=token or "",
                    logprob=float(value if value is not None else 0.0),
                    top_logprobs=[TopLogprob(token=t, logprob=lp) for t, lp in top.items()]
                    if top
                    else None,
                )
            )
        return Logprobs(content=content)
    return None


def _logprob(entry: Mapping[str, Any]) -> Logprob:
    from ..._output_parts import Logprob, TopLogprob

    tops = entry.get("top_logprobs")
    return Logprob(
        token=entry["token"],
        logprob=float(entry["logprob"]),
        bytes=entry.get("bytes"),
        top_logprobs=[
            TopLogprob(token=t["token"], logprob=float(t["logprob"]), bytes=t.get("bytes"))
            for t in tops
        ]
        if tops is not None
        else None,
    )


def parse_usage(data: Any, reported_cost: bool = False) -> Optional[ModelUsage]:
    """``ModelUsage`` in modelkit's convention from an OpenAI ``usage`` object.

    ``prompt_tokens`` includes ``cached_tokens``: they are moved to
    ``input_tokens_cache_read``, and a server's ``cache_write_tokens``
    (OpenRouter) to ``input_tokens_cache_write``. ``reasoning_tokens`` are
    normally part of ``completion_tokens``; where a server counts them
    outside it (xAI: the total is prompt + completion + reasoning) they are
    added to ``output_tokens`` so it always includes them. With
    ``reported_cost``, a number in ``cost`` is the call's ``total_cost``.
    """
    if type(data) is not dict and not isinstance(data, Mapping):
        return None
    # count() reads what is not a plain int (a float, None, or a wrong type that it refuses)
    prompt = data.get("prompt_tokens")
    if type(prompt) is not int:
        prompt = count(prompt)
    completion = data.get("completion_tokens")
    if type(completion) is not int:
        completion = count(completion)
    prompt_details = data.get("prompt_tokens_details")
    completion_details = data.get("completion_tokens_details")
    cached: Optional[int] = None
    written: Optional[int] = None
    if prompt_details and (type(prompt_details) is dict or isinstance(prompt_details, Mapping)):
        if prompt_details.get("cached_tokens") is not None:
            cached = count(prompt_details["cached_tokens"])
        if prompt_details.get("cache_write_tokens"):
            written = count(prompt_details["cache_write_tokens"])
    reasoning: Optional[int] = None
    if (
        completion_details
        and (type(completion_details) is dict or isinstance(completion_details, Mapping))
        and completion_details.get("reasoning_tokens") is not None
    ):
        reasoning = count(completion_details["reasoning_tokens"])
    total = data.get("total_tokens")
    if type(total) is not int:
        total = count(total) if total is not None else prompt + completion
    if reasoning and total == prompt + completion + reasoning:
        completion += reasoning
    cost = data.get("cost") if reported_cost else None
    billed = float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
    return ModelUsage(
        input_tokens=prompt - (cached or 0) - (written or 0),
        output_tokens=completion,
        total_tokens=total,
        input_tokens_cache_write=written,
        input_tokens_cache_read=cached,
        reasoning_tokens=reasoning,
        total_cost=billed if billed is not None and billed >= 0 else None,
    )


def _error_fields(body: Any) -> Tuple[str, str, Optional[str]]:
    """``(code, type, message)`` from ``{"error": {...}}`` and its variants."""
    if not isinstance(body, Mapping):
        return "", "", None
    error = body.get("error", body)
    if isinstance(error, str):
        return "", "", error
    if not isinstance(error, Mapping):
        return "", "", None
    message = error.get("message") or error.get("msg")
    message = None if message is None else str(message)  # a server may send any JSON here
    detail = error.get("detail")
    if message is None and isinstance(detail, list):  # FastAPI validation errors
        message = "; ".join(
            f"{'.'.join(str(p) for p in _as_list(d.get('loc')))}: {d.get('msg')}"
            for d in detail
            if isinstance(d, Mapping)
        )
    elif message is None and detail is not None:
        message = str(detail)
    code = error.get("code")
    return (str(code) if code is not None else ""), str(error.get("type") or ""), message


def _as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def error_from_response(
    status: int,
    body: Any,
    text: str,
    headers: Mapping[str, str],
    *,
    provider: str,
    model: str,
) -> APIError:
    """The exception for an OpenAI-style error response.

    429 (or 402) with ``insufficient_quota`` (or 402 Payment Required, the
    out-of-credit answer of DeepSeek and OpenRouter) is a
    ``QuotaExceededError``: waiting will not help. Any other 429 is a
    ``RateLimitError``; the rest follow the HTTP status.
    """
    code, kind, message = _error_fields(body)
    if not message:
        message = text.strip()[:300] or "(empty body)"
    label = code or kind
    full = f"{message} ({label})" if label and label not in message else message
    common: Dict[str, Any] = {
        "provider": provider,
        "model": model,
        "status": status,
        "body": body,
        "headers": dict(headers),
    }
    if status == 429 and "exceeded your current quota" in full:  # some servers send no code
        return QuotaExceededError(full, **common)
    return error_from_status(
        status, full, provider=provider, model=model, body=body, headers=headers
    )


def output_for_error(error: APIError, model: str) -> Optional[ModelOutput]:
    """The ``ModelOutput`` an error stands for, if it is an answer, else ``None``.

    A prompt too long for the context window is a ``model_length`` stop; a
    prompt refused by a content filter is a ``content_filter`` stop with
    ``error`` set. Both are what the model said, not failures to retry.
    """
    if not isinstance(error, BadRequestError) or error.status != 400:
        return None
    code, _kind, message = _error_fields(error.body)
    text = message or error.message
    if code in _CONTEXT_CODES or "maximum context length" in text:
        return ModelOutput.from_content(model, text, stop_reason="model_length")
    if code in _FILTER_CODES or code in _POLICY_CODES:
        # Azure names the filtered categories in innererror
        error_body = error.body.get("error") if isinstance(error.body, Mapping) else None
        inner = error_body.get("innererror") if isinstance(error_body, Mapping) else None
        filtered = (
            _filtered(inner.get("content_filter_result")) if isinstance(inner, Mapping) else None
        )
        return refusal_output(model, text, code, filtered)
    return None


def refusal_output(
    model: str, text: str, code: str, categories: Optional[List[StopCategory]] = None
) -> ModelOutput:
    """The ``content_filter`` answer for a refused prompt (chat completions and Responses).

    Its ``StopDetails`` say ``refusal`` with ``text``, as Inspect's
    ``openai_refusal_model_output`` does: ``cyber_policy`` has category
    ``cyber``, any other code the ``categories`` given (Azure's filters).
    """
    from ..._output_parts import StopCategory, StopDetails

    details = StopDetails(type="refusal", explanation=text)
    if code == "cyber_policy":
        details.categories = [StopCategory(category="cyber")]
    elif categories is not None:
        details.categories = categories
    return ModelOutput.from_content(
        model,
        text,
        stop_reason="content_filter",
        error=text,
        stop_details=settled_stop_details(details),
    )


def prompt_logprobs(raw: List[Any]) -> Optional[Logprobs]:
    """vLLM's ``prompt_logprobs`` as ``Logprobs`` (``None`` when there are none).

    Each position is ``None`` (the first token, with no context) or a dict of
    token id to ``{"logprob", "rank", "decoded_token"}`` whose first entry is
    the prompt's own token and the rest its top alternatives.
    """
    from ..._output_parts import Logprob, Logprobs, TopLogprob

    tokens: List[Logprob] = []
    for position in raw:
        if not isinstance(position, dict) or not position:
            continue
        entries = [(key, value) for key, value in position.items() if isinstance(value, dict)]
        if not entries:
            continue
        (first_id, first), rest = entries[0], entries[1:]
        top = [
            TopLogprob(token=str(info.get("decoded_token", key)), logprob=float(info["logprob"]))
            for key, info in rest
        ]
        tokens.append(
            Logprob(
                token=str(first.get("decoded_token", first_id)),
                logprob=float(first["logprob"]),
                top_logprobs=top or None,
            )
        )
    return Logprobs(content=tokens) if tokens else None
