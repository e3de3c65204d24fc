"""Mistral chat completions converters: request bodies, responses and errors against fixtures.

Each ``tests/fixtures/mistral/<case>.request.json`` is the body Mistral's API
documents for that conversation; each ``<case>.response.json`` a response or
error body in the documented (or, for errors, observed) shape. Sources:

- https://docs.mistral.ai/api/ (chat completions: ``random_seed``, ``n``,
  ``stop``, ``tool_choice`` = auto/none/any/required or a function,
  ``parallel_tool_calls``, ``reasoning_effort``, ``prefix``; response shape)
- https://docs.mistral.ai/capabilities/function_calling/ (the
  retrieve_payment_status example, tool messages with ``name`` and
  ``tool_call_id``)
- https://docs.mistral.ai/capabilities/vision/ and .../audio (``image_url``
  and ``input_audio`` chunks), https://docs.mistral.ai/capabilities/reasoning/
  (``thinking`` chunks; ``reasoning_effort`` ``none``/``high``)
- mistralai/client-python ``src/mistralai/client/models/``
  (``chatcompletionrequest.py``, ``toolchoiceenum.py``, ``toolcall.py``,
  ``audiochunk.py``, ``thinkchunk.py``, ``chatcompletionchoice.py``,
  ``usageinfo.py``, ``validationerror.py``)
- mistralai/mistral-common ``protocol/instruct/validator.py`` (tool-call ids
  ``[a-zA-Z0-9]{9}``; only assistant or tool after tool; last message user,
  tool or an assistant ``prefix``)
- error bodies as the API returns them (quoted in public issue reports:
  "Tool call id was ... with a length of 9." code 3280; "Unexpected role
  'user' after role 'tool'" code 3230; 422 ``detail`` lists; 429
  ``rate_limited`` code 1300)
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from wire import load_fixture

from modelkit.config import GenerateConfig
from modelkit.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    RateLimitError,
)
from modelkit.messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
)
from modelkit.output import ModelUsage
from modelkit.providers._rest import error_from_status
from modelkit.providers.mistral.api import (
    error_text,
    messages_to_wire,
    mistral_tool_call_id,
    parse_completion,
    request_body,
)
from modelkit.tools import (
    ToolCall,
    ToolCallError,
    ToolChoice,
    ToolFunction,
    ToolInfo,
    ToolParam,
    ToolParams,
)

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA="

PAYMENT_STATUS = ToolInfo(
    name="retrieve_payment_status",
    description="Get payment status of a transaction",
    parameters=ToolParams(
        properties={"transaction_id": ToolParam(type="string", description="The transaction id.")},
        required=["transaction_id"],
    ),
)


def fixture(name: str) -> Any:
    return load_fixture("mistral", name)


Case = Tuple[str, List[ChatMessage], List[ToolInfo], ToolChoice, GenerateConfig]

CASES: Dict[str, Case] = {
    "text_and_sampling": (
        "mistral-small-latest",
        [
            ChatMessageSystem(content="You are a helpful assistant."),
            ChatMessageUser(
                content="Who is the best French painter? Answer in one short sentence."
            ),
        ],
        [],
        "none",
        GenerateConfig(
            temperature=0.3,
            top_p=0.9,
            max_tokens=256,
            stop_seqs=["\n\n"],
            seed=42,
            presence_penalty=0.1,
            frequency_penalty=0.2,
            num_choices=2,
            logprobs=True,
            top_logprobs=3,
            # No Mistral parameter for these: not sent (the API rejects unknown fields).
            top_k=40,
            logit_bias={42: 5},
            best_of=2,
        ),
    ),
    "images": (
        "mistral-small-latest",
        [
            ChatMessageUser(
                content=[
                    ContentText(text="What's in these images?"),
                    ContentImage(
                        image="https://tripfixers.com/wp-content/uploads/2019/11/eiffel-tower-with-snow.jpeg"
                    ),
                    ContentImage(image=f"data:image/png;base64,{PNG}", detail="high"),
                ]
            )
        ],
        [],
        "none",
        GenerateConfig(),
    ),
    "audio": (
        "voxtral-small-latest",
        [
            ChatMessageUser(
                content=[
                    ContentAudio(audio=f"data:audio/wav;base64,{WAV}", format="wav"),
                    ContentText(text="What's in this file?"),
                ]
            )
        ],
        [],
        "none",
        GenerateConfig(),
    ),
    "tools_forced": (
        "mistral-large-latest",
        [ChatMessageUser(content="What's the status of my transaction T1001?")],
        [PAYMENT_STATUS],
        ToolFunction(name="retrieve_payment_status"),
        GenerateConfig(parallel_tool_calls=False),
    ),
    "tool_results_foreign_ids": (
        "mistral-large-latest",
        [
            ChatMessageUser(
                content="What's the status and date of my transactions T1001 and T1002?"
            ),
            ChatMessageAssistant(
                content="Let me look both up.",
                tool_calls=[
                    ToolCall(
                        id="call_PTLP8xhu3uwZk4l3nlnrrJha",
                        function="retrieve_payment_status",
                        arguments={"transaction_id": "T1001"},
                    ),
                    ToolCall(
                        id="call_Qx2b7Jv9LmN4pR8sT1uW3yZa",
                        function="retrieve_payment_status",
                        arguments={"transaction_id": "T1002"},
                    ),
                ],
            ),
            ChatMessageTool(
                content='{"status": "Paid"}',
                tool_call_id="call_PTLP8xhu3uwZk4l3nlnrrJha",
                function="retrieve_payment_status",
            ),
            ChatMessageTool(
                content="",
                tool_call_id="call_Qx2b7Jv9LmN4pR8sT1uW3yZa",
                function="retrieve_payment_status",
                error=ToolCallError(type="unknown", message="transaction id not found"),
            ),
            ChatMessageUser(content="Only report the first one, then."),
        ],
        [PAYMENT_STATUS],
        "auto",
        GenerateConfig(reasoning_effort="high"),
    ),
    "reasoning_prefix": (
        "magistral-medium-latest",
        [
            ChatMessageUser(
                content="John is one of 4 children. The first sister is 4 years old. Next year, "
                "the second sister will be twice as old as the first sister. The third sister is "
                "two years older than the second sister. The third sister is half the age of her "
                "older brother. How old is John?"
            ),
            ChatMessageAssistant(
                content=[
                    ContentReasoning(
                        reasoning="First sister is 4; next year she is 5, so the second will be "
                        "10 then, 9 now. Third is 11, John is 22."
                    ),
                    ContentText(text="John is 22 years old."),
                ]
            ),
            ChatMessageUser(content="Explain it as a short poem."),
            ChatMessageAssistant(content="Four children"),
        ],
        [],
        "none",
        GenerateConfig(reasoning_effort="minimal"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_request_body_matches_the_documented_shape(case: str) -> None:
    model, messages, tools, choice, config = CASES[case]
    assert request_body(model, messages, tools, choice, config) == fixture(f"{case}.request.json")


@pytest.mark.parametrize(
    ("choice", "wire"),
    [("auto", "auto"), ("any", "any"), ("none", "none")],
)
def test_tool_choice_values(choice: ToolChoice, wire: str) -> None:
    body = request_body(
        "mistral-large-latest",
        [ChatMessageUser(content="hi")],
        [PAYMENT_STATUS],
        choice,
        GenerateConfig(),
    )
    assert body["tool_choice"] == wire
    assert "parallel_tool_calls" not in body


def test_no_tools_sends_no_tool_fields() -> None:
    body = request_body(
        "mistral-small-latest", [ChatMessageUser(content="hi")], [], "none", GenerateConfig()
    )
    assert body == {
        "model": "mistral-small-latest",
        "messages": [{"role": "user", "content": "hi"}],
    }


def test_tool_call_ids_are_kept_when_valid_and_remapped_consistently_otherwise() -> None:
    assert mistral_tool_call_id("D681PevKs") == "D681PevKs"
    for foreign in (
        "call_PTLP8xhu3uwZk4l3nlnrrJha",
        "toolu_01A09q90qw90lq917835lq9",
        "abc",
        "x" * 9 + "_",
    ):
        mapped = mistral_tool_call_id(foreign)
        assert re.fullmatch(r"[a-zA-Z0-9]{9}", mapped)
        assert mistral_tool_call_id(foreign) == mapped
    assert mistral_tool_call_id("call_a") != mistral_tool_call_id("call_b")


def test_the_wire_conversation_obeys_mistrals_role_order() -> None:
    # After a tool message only an assistant or tool message may follow.
    messages = CASES["tool_results_foreign_ids"][1]
    roles = [m["role"] for m in messages_to_wire(messages)]
    for before, after in zip(roles, roles[1:]):
        if before == "tool":
            assert after in ("assistant", "tool")


def test_local_files_are_read_into_base64(tmp_path: Path) -> None:
    image, audio = tmp_path / "pixel.png", tmp_path / "clip.wav"
    image.write_bytes(base64.b64decode(PNG))
    audio.write_bytes(base64.b64decode(WAV))
    wire = messages_to_wire(
        [
            ChatMessageUser(
                content=[
                    ContentImage(image=str(image)),
                    ContentAudio(audio=str(audio), format="wav"),
                ]
            )
        ]
    )
    assert wire[0]["content"] == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "input_audio", "input_audio": WAV},
    ]


def test_unsupported_content_and_missing_ids_raise_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not accept video"):
        messages_to_wire([ChatMessageUser(content=[ContentVideo(video="clip.mp4", format="mp4")])])
    with pytest.raises(ConfigError, match="cannot read"):
        messages_to_wire(
            [ChatMessageUser(content=[ContentImage(image=str(tmp_path / "none.png"))])]
        )
    with pytest.raises(ConfigError, match="needs the tool_call_id"):
        messages_to_wire([ChatMessageTool(content="x")])


def test_a_text_response_parses() -> None:
    output = parse_completion(fixture("text.response.json"))
    assert output.model == "mistral-small-latest"
    assert output.completion == "Claude Monet is often considered the best French painter."
    assert output.stop_reason == "stop"
    assert output.message.tool_calls is None
    assert output.usage == ModelUsage(input_tokens=16, output_tokens=34, total_tokens=50)


def test_several_choices_parse_in_order_with_their_stop_reasons() -> None:
    output = parse_completion(fixture("two_choices.response.json"))
    assert [c.message.text for c in output.choices] == [
        "Claude Monet.",
        "Many would say Eugène Delacroix, though",
    ]
    assert [c.stop_reason for c in output.choices] == ["stop", "max_tokens"]


def test_tool_calls_parse_with_string_arguments() -> None:
    output = parse_completion(fixture("tool_calls.response.json"))
    assert output.stop_reason == "tool_calls"
    assert output.message.tool_calls == [
        ToolCall(
            id="D681PevKs",
            function="retrieve_payment_status",
            arguments={"transaction_id": "T1001"},
        )
    ]


def test_arguments_as_objects_bad_json_or_non_objects() -> None:
    calls = parse_completion(fixture("odd_arguments.response.json")).message.tool_calls or []
    broken, as_object, as_list = calls
    assert broken.arguments == {} and broken.parse_error is not None
    assert broken.raw_arguments == '{"transaction_id": "T10'
    assert as_object.arguments == {"transaction_id": "T1002"} and as_object.parse_error is None
    assert as_list.parse_error is not None and "not a JSON object" in as_list.parse_error


def test_thinking_chunks_parse_to_reasoning_and_go_back_as_thinking() -> None:
    output = parse_completion(fixture("thinking.response.json"))
    reasoning = (
        "First sister is 4; next year she is 5, so the second will be 10 then, 9 now. "
        "Third is 11, John is 22."
    )
    assert output.message.content == [
        ContentReasoning(reasoning=reasoning),
        ContentText(text="John is 22 years old."),
    ]
    assert output.message.reasoning == reasoning
    assert output.completion == "John is 22 years old."
    wire = messages_to_wire(
        [ChatMessageUser(content="q"), output.message, ChatMessageUser(content="again")]
    )
    assert wire[1]["content"][0] == {
        "type": "thinking",
        "thinking": [{"type": "text", "text": reasoning}],
    }


@pytest.mark.parametrize(
    ("finish", "stop"),
    [
        ("stop", "stop"),
        ("length", "max_tokens"),
        ("model_length", "model_length"),
        ("tool_calls", "tool_calls"),
        ("error", "unknown"),
        ("weird", "unknown"),
    ],
)
def test_finish_reasons_map(finish: str, stop: str) -> None:
    body = fixture("text.response.json")
    body["choices"][0]["finish_reason"] = finish
    assert parse_completion(body).stop_reason == stop


ERRORS = [
    (
        "error_tool_call_id",
        400,
        BadRequestError,
        "Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9. (invalid_function_call, 3280)",
    ),
    (
        "error_message_order",
        400,
        BadRequestError,
        "Unexpected role 'user' after role 'tool' (invalid_request_message_order, 3230)",
    ),
    (
        "error_validation",
        422,
        BadRequestError,
        "body.messages.6.assistant.tool_calls.0.name: Extra inputs are not permitted",
    ),
    (
        "error_validation_wrapped",
        422,
        BadRequestError,
        "body.messages.0.user.name: Extra inputs are not permitted (invalid_request_error)",
    ),
    ("error_rate_limited", 429, RateLimitError, "Rate limit exceeded (rate_limited, 1300)"),
    ("error_rate_limit_plain", 429, RateLimitError, "Requests rate limit exceeded"),
    ("error_unauthorized", 401, AuthenticationError, "Unauthorized"),
    ("error_server", 500, APIError, "Internal server error (internal_server_error)"),
]


@pytest.mark.parametrize(("case", "status", "kind", "message"), ERRORS)
def test_error_bodies_map_to_the_right_exception(
    case: str, status: int, kind: type, message: str
) -> None:
    body = fixture(f"{case}.response.json")
    text = error_text(body, json.dumps(body))
    assert text == message
    error = error_from_status(status, text, provider="mistral", model="m", body=body)
    assert type(error) is kind


def test_an_error_that_is_not_json_keeps_its_text() -> None:
    assert error_text(None, "upstream connect error") == "upstream connect error"
    assert error_text({}, "") == "(empty body)"
