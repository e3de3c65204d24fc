"""Gemini code execution parts: one ``ContentToolUse`` each, sent back as they came.

Shapes from https://ai.google.dev/gemini-api/docs/code-execution (the REST
response: a model turn of ``text``, ``executableCode`` ``{language, code}``,
``codeExecutionResult`` ``{outcome, output}``, ``text``) and the
``Outcome`` values of https://ai.google.dev/api/caching#Outcome. Thought
signatures on those parts stay in the kept parts
(https://ai.google.dev/gemini-api/docs/thought-signatures). The request side
goes through the real request builder; the stream through ``Model.stream``.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List

import responses
from wire import stream_both_ways

from modelkit import get_model
from modelkit.config import GenerateConfig
from modelkit.messages import ChatMessageUser, ContentText, ContentToolUse
from modelkit.providers.google._request import request_body
from modelkit.providers.google._response import output_from

CODE = {
    "executableCode": {
        "language": "PYTHON",
        "code": "primes = [n for n in range(2, 300) if all(n % d for d in range(2, n))][:50]\nprint(sum(primes))\n",
    },
    "thoughtSignature": "CiQBVKhc7sig-1",
}
RESULT = {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "5117\n"}}
PARTS: List[Dict[str, Any]] = [
    {"text": "I'll compute the sum of the first 50 primes."},
    CODE,
    RESULT,
    {"text": "The sum of the first 50 prime numbers is 5117."},
]
BODY = {
    "candidates": [
        {"content": {"role": "model", "parts": PARTS}, "finishReason": "STOP", "index": 0}
    ],
    "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 80, "totalTokenCount": 100},
    "modelVersion": "gemini-2.5-flash",
}


def test_code_and_result_are_one_tool_use_part() -> None:
    output = output_from(copy.deepcopy(BODY), "gemini-2.5-flash")
    first, tool, last = output.message.content  # type: ignore[misc]
    assert isinstance(first, ContentText) and isinstance(last, ContentText)
    assert tool == ContentToolUse(
        tool_type="code_execution",
        id="",
        name="PYTHON",
        arguments=CODE["executableCode"]["code"],  # type: ignore[index]
        result="5117\n",
        internal={"gemini_parts": [CODE, RESULT]},
    )


def test_a_failed_run_reports_its_outcome() -> None:
    body = copy.deepcopy(BODY)
    body["candidates"][0]["content"]["parts"][2] = {
        "codeExecutionResult": {"outcome": "OUTCOME_DEADLINE_EXCEEDED"}
    }
    tool = output_from(body, "gemini-2.5-flash").message.content[1]  # type: ignore[index]
    assert isinstance(tool, ContentToolUse) and tool.error == "OUTCOME_DEADLINE_EXCEEDED"
    assert tool.result == ""


def test_the_turn_goes_back_with_the_parts_unchanged() -> None:
    output = output_from(copy.deepcopy(BODY), "gemini-2.5-flash")
    messages = [ChatMessageUser(content="Sum the first 50 primes."), output.message]
    body = request_body(messages, [], "auto", GenerateConfig(), "gemini-2.5-flash")
    assert body["contents"][1] == {"role": "model", "parts": PARTS}
    # ... after a trip through the cache's JSON form too
    again = type(output).from_dict(json.loads(json.dumps(output.to_dict())))
    messages[1] = again.message
    body = request_body(messages, [], "auto", GenerateConfig(), "gemini-2.5-flash")
    assert body["contents"][1] == {"role": "model", "parts": PARTS}


def test_streamed_code_execution_equals_generate() -> None:
    chunks = [
        {"candidates": [{"content": {"role": "model", "parts": [part]}, "index": 0}]}
        for part in PARTS[:-1]
    ]
    chunks.append(
        {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [PARTS[-1]]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": BODY["usageMetadata"],
            "modelVersion": "gemini-2.5-flash",
        }
    )
    stream = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks).encode()
    root = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
    model = get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model,
            mock,
            f"{root}:generateContent",
            stream,
            copy.deepcopy(BODY),
            stream_url=f"{root}:streamGenerateContent?alt=sse",
        )
    assert streamed == generated
    assert isinstance(streamed.message.content[1], ContentToolUse)  # type: ignore[index]
