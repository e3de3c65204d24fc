"""Converters between modelkit's types and the providers' own JSON, with Inspect's names.

``messages_from_openai``, ``messages_to_openai``,
``messages_from_openai_responses``, ``messages_to_openai_responses``,
``messages_from_anthropic``, ``messages_from_google`` and the
``model_output_from_*`` functions take and give what the APIs document:
plain dicts and lists (an SDK object is read through its ``model_dump()``).
They are the providers' own request builders and response parsers, so a
converted conversation is exactly what ``generate`` would send, and a
converted response exactly what ``generate`` would return. Inspect's
functions of these names are ``async``; these are plain functions (drop the
``await``). Each provider module is imported on first use of its converter.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Literal, Optional, TypeVar

from ._wellformed import PARSE_ERRORS, check_output
from .errors import ConfigError
from .messages import ChatMessage
from .output import ModelOutput

__all__ = [
    "messages_from_anthropic",
    "messages_from_google",
    "messages_from_openai",
    "messages_from_openai_responses",
    "messages_to_openai",
    "messages_to_openai_responses",
    "model_output_from_anthropic",
    "model_output_from_google",
    "model_output_from_openai",
    "model_output_from_openai_responses",
]

T = TypeVar("T")


def _converted(who: str, convert: Callable[[], T]) -> T:
    """``convert()``, with a malformed input reported as a ``ConfigError`` naming ``who``."""
    try:
        return convert()
    except ConfigError:
        raise
    except PARSE_ERRORS as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise ConfigError(
            f"{who}: the input is not in the API's documented shape ({detail})"
        ) from exc


def _output(who: str, parse: Callable[[], ModelOutput]) -> ModelOutput:
    def checked() -> ModelOutput:
        output = parse()
        check_output(output)
        return output

    return _converted(who, checked)


def messages_to_openai(
    messages: List[ChatMessage], system_role: Literal["user", "system", "developer"] = "system"
) -> List[Dict[str, Any]]:
    """Messages as OpenAI Chat Completions ``messages`` (what ``generate`` sends).

    Args:
        messages: the conversation.
        system_role: the role system messages take (newer OpenAI models use
            ``"developer"``; models without one, ``"user"``).

    Raises:
        ConfigError: content the Chat Completions API cannot take.
    """
    from .providers.openai._request import WireOptions, messages_to_wire

    return messages_to_wire(list(messages), WireOptions(system_role=system_role))


def messages_from_openai(messages: List[Any], model: Optional[str] = None) -> List[ChatMessage]:
    """OpenAI Chat Completions ``messages`` as modelkit messages.

    Args:
        messages: the API's messages (dicts, or SDK objects).
        model: the model name to put on assistant messages.

    Raises:
        ConfigError: a message or part the API does not document.
    """
    from .providers._plain import as_plain_list
    from .providers.openai._convert import messages_from_wire

    who = "messages_from_openai"
    return _converted(who, lambda: messages_from_wire(as_plain_list(messages, who), model))


def messages_to_openai_responses(messages: List[ChatMessage]) -> List[Dict[str, Any]]:
    """Messages as OpenAI Responses ``input`` items (what ``generate`` sends).

    Raises:
        ConfigError: content the Responses API cannot take.
    """
    from .providers.openai._responses_request import input_items

    return input_items(list(messages))


def messages_from_openai_responses(
    messages: List[Any], model: Optional[str] = None
) -> List[ChatMessage]:
    """OpenAI Responses ``input`` items as modelkit messages.

    Args:
        messages: the input items (dicts, or SDK objects).
        model: the model name to put on assistant messages.

    Raises:
        ConfigError: an item or part the API does not document.
    """
    from .providers._plain import as_plain_list
    from .providers.openai._responses_convert import messages_from_items

    who = "messages_from_openai_responses"
    return _converted(who, lambda: messages_from_items(as_plain_list(messages, who), model))


def messages_from_anthropic(
    messages: List[Any], system_message: Optional[str] = None
) -> List[ChatMessage]:
    """Anthropic Messages ``messages`` as modelkit messages.

    Args:
        messages: the API's messages (dicts, or SDK objects).
        system_message: the request's ``system`` text, put first as a system message.

    Raises:
        ConfigError: a message or block the API does not document.
    """
    from .messages import ChatMessageSystem
    from .providers._plain import as_plain_list
    from .providers.anthropic._convert import messages_from_wire

    who = "messages_from_anthropic"
    converted = _converted(who, lambda: messages_from_wire(as_plain_list(messages, who)))
    if system_message:
        converted.insert(0, ChatMessageSystem(content=system_message))
    return converted


def messages_from_google(
    contents: List[Any], system_instruction: Optional[str] = None, model: Optional[str] = None
) -> List[ChatMessage]:
    """Gemini ``contents`` as modelkit messages.

    Args:
        contents: the API's ``Content`` objects (dicts in the REST API's
            camelCase or python-genai's snake_case, or SDK objects).
        system_instruction: the request's system instruction, put first.
        model: the model name to put on assistant messages.

    Raises:
        ConfigError: a content or part the API does not document.
    """
    from .messages import ChatMessageSystem
    from .providers._plain import as_plain_list, camel_keys
    from .providers.google._convert import messages_from_contents

    who = "messages_from_google"
    converted = _converted(
        who, lambda: messages_from_contents(camel_keys(as_plain_list(contents, who)), model)
    )
    if system_instruction:
        converted.insert(0, ChatMessageSystem(content=system_instruction))
    return converted


def model_output_from_openai(completion: Any) -> ModelOutput:
    """A ``ModelOutput`` from an OpenAI ``chat.completion`` body (or ``ChatCompletion``).

    Raises:
        ConfigError: the body is not a chat completion.
    """
    from .providers._plain import as_plain
    from .providers.openai._response import ParseOptions, parse_completion

    who = "model_output_from_openai"
    return _output(who, lambda: parse_completion(as_plain(completion, who), "", ParseOptions()))


def model_output_from_openai_responses(response: Any) -> ModelOutput:
    """A ``ModelOutput`` from an OpenAI Responses ``response`` object (or ``Response``).

    Raises:
        ConfigError: the body is not a response object.
    """
    from .providers._plain import as_plain
    from .providers.openai._responses_response import parse_responses_body

    who = "model_output_from_openai_responses"
    return _output(who, lambda: parse_responses_body(as_plain(response, who), ""))


def model_output_from_anthropic(message: Any) -> ModelOutput:
    """A ``ModelOutput`` from an Anthropic Messages response (or ``Message``).

    Raises:
        ConfigError: the body is not a message.
    """
    from .providers._plain import as_plain
    from .providers.anthropic._response import parse_message

    who = "model_output_from_anthropic"
    return _output(who, lambda: parse_message(as_plain(message, who)))


def model_output_from_google(response: Any, model: Optional[str] = None) -> ModelOutput:
    """A ``ModelOutput`` from a Gemini ``GenerateContentResponse`` (dict or SDK object).

    Args:
        response: the response body.
        model: the model name, when the response has no ``modelVersion``.

    Raises:
        ConfigError: the body is not a ``generateContent`` response.
    """
    from .providers._plain import as_plain, camel_keys
    from .providers.google._response import output_from

    who = "model_output_from_google"

    def parse() -> ModelOutput:
        body = camel_keys(as_plain(response, who))
        output = output_from(body, model or "unknown")
        if model:  # Inspect: the name given wins over modelVersion, on the messages too
            output.model = model
            for choice in output.choices:
                choice.message.model = model
        return output

    return _output(who, parse)
