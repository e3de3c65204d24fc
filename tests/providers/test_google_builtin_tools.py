"""``web_search()`` and ``code_execution()`` on Gemini: its own tools, parts, round trip.

Request tools as https://ai.google.dev/gemini-api/docs/google-search
(``"tools": [{"google_search": {}}]``), https://ai.google.dev/gemini-api/docs/url-context
(``{"url_context": {}}``) and https://ai.google.dev/gemini-api/docs/code-execution
(``{"code_execution": {}}``), as Inspect 0.3.285 maps them (it maps no URL
context: that is modelkit's ``"url_context": True`` option). Responses as
those pages show them: ``executableCode`` (``language``, ``code``) then
``codeExecutionResult`` (``outcome`` ``OUTCOME_OK``/``OUTCOME_FAILED``/
``OUTCOME_DEADLINE_EXCEEDED``, ``output``) parts between text parts, and
``groundingMetadata`` (``webSearchQueries``, ``groundingChunks`` with
``web.uri``/``title``, ``groundingSupports`` with ``segment`` byte offsets);
streamed as ``streamGenerateContent?alt=sse`` chunks
(https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent).
With function tools beside them, https://ai.google.dev/gemini-api/docs/tool-combination:
``toolConfig.includeServerSideToolInvocations`` and ``toolCall``
(``toolType``, ``id``, ``args``) / ``toolResponse`` (``toolType``, ``id``,
``response``) parts. These parts go back in the model turn as they came.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
import responses
from wire import stream_both_ways

from modelkit import (
    ChatMessageUser,
    ConfigError,
    ContentText,
    ContentToolUse,
    UrlCitation,
    code_execution,
    get_model,
    web_search,
)

ROOT = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
URL = f"{ROOT}:generateContent"
STREAM_URL = f"{ROOT}:streamGenerateContent?alt=sse"

CODE_PART = {
    "executableCode": {
        "language": "PYTHON",
        "code": "primes = [n for n in range(2, 60) if all(n % d for d in range(2, n))][:10]\nprint(sum(primes))\n",
    },
    "thoughtSignature": "CiQBVKhc7sig==",
}
RESULT_PART = {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "129\n"}}
INTRO = "I will compute the sum of the first 10 primes."
ANSWER = "The sum of the first 10 prime numbers is 129, as Spain won Euro 2024."
METADATA = {
    "webSearchQueries": ["euro 2024 winner"],
    "searchEntryPoint": {"renderedContent": "<style>...</style>"},
    "groundingChunks": [
        {
            "web": {
                "uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/1",
                "title": "uefa.com",
            }
        }
    ],
    "groundingSupports": [
        {
            "segment": {  # byte offsets in the candidate's text parts joined
                "startIndex": len(INTRO) + 45,
                "endIndex": len(INTRO) + len(ANSWER),
                "text": "as Spain won Euro 2024.",
            },
            "groundingChunkIndices": [0],
        }
    ],
}
BODY: Dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [{"text": INTRO}, CODE_PART, RESULT_PART, {"text": ANSWER}],
            },
            "finishReason": "STOP",
            "index": 0,
            "groundingMetadata": METADATA,
        }
    ],
    "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 60, "totalTokenCount": 80},
    "modelVersion": "gemini-2.5-flash",
    "responseId": "mn1aaZ3qGf2YvdIPgqy1wQk",
}


def _chunk(parts: List[Dict[str, Any]], **extra: Any) -> bytes:
    candidate = {"content": {"role": "model", "parts": parts}, "index": 0, **extra}
    body = {
        "candidates": [candidate],
        "modelVersion": "gemini-2.5-flash",
        "responseId": BODY["responseId"],
    }
    return f"data: {json.dumps(body)}\r\n\r\n".encode()


STREAM = b"".join(
    [
        _chunk([{"text": INTRO[:20]}]),
        _chunk([{"text": INTRO[20:]}]),
        _chunk([CODE_PART]),
        _chunk([RESULT_PART]),
        _chunk([{"text": ANSWER[:30]}]),
        _chunk(
            [{"text": ANSWER[30:]}],
            finishReason="STOP",
            groundingMetadata=METADATA,
        ).replace(
            b'"responseId"',
            b'"usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 60, "totalTokenCount": 80}, "responseId"',
        ),
    ]
)


def _model() -> Any:
    return get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)


def _sent(tools: List[Any], **kwargs: Any) -> Dict[str, Any]:
    with responses.RequestsMock() as mock:
        mock.post(URL, json=BODY)
        _model().generate("hi", tools=tools, **kwargs)
        body: Dict[str, Any] = json.loads(mock.calls[0].request.body)
    return body


def test_the_tools_are_gemini_s_own_and_function_calling_config_only_with_functions() -> None:
    sent = _sent([web_search({"gemini": {"url_context": True}}), code_execution()])
    assert sent["tools"] == [{"google_search": {}}, {"url_context": {}}, {"code_execution": {}}]
    assert "toolConfig" not in sent

    def lookup(city: str) -> str:
        """Look a city up.

        Args:
            city: the city.
        """
        return city

    sent = _sent([web_search(), lookup])
    assert sent["tools"][0]["functionDeclarations"][0]["name"] == "lookup"
    assert sent["tools"][1:] == [{"google_search": {}}]
    assert sent["toolConfig"] == {
        "includeServerSideToolInvocations": True,
        "functionCallingConfig": {"mode": "VALIDATED"},
    }
    sent = _sent([web_search(), lookup], tool_choice="none")
    assert sent["toolConfig"]["functionCallingConfig"] == {"mode": "NONE"}
    assert _sent([lookup])["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}


def test_streamed_output_equals_generated_with_the_code_use_and_citations() -> None:
    with responses.RequestsMock() as mock:
        events, streamed, generated = stream_both_ways(
            _model(),
            mock,
            URL,
            STREAM,
            BODY,
            stream_url=STREAM_URL,
            tools=[code_execution(), web_search()],
        )
    assert streamed == generated
    intro, use, answer = generated.message.content
    assert isinstance(intro, ContentText) and intro.text == INTRO
    assert isinstance(use, ContentToolUse)
    assert (use.tool_type, use.name, use.result, use.error) == (
        "code_execution",
        "PYTHON",
        "129\n",
        None,
    )
    assert use.arguments == CODE_PART["executableCode"]["code"]  # type: ignore[index]
    assert isinstance(answer, ContentText) and answer.text == ANSWER
    assert answer.citations == [
        UrlCitation(
            url="https://vertexaisearch.cloud.google.com/grounding-api-redirect/1",
            title="uefa.com",
            cited_text=(45, len(ANSWER)),
        )
    ]
    assert "".join(e.text for e in events if hasattr(e, "text")) == generated.message.text


def test_a_failed_run_keeps_its_outcome_as_the_error() -> None:
    failed = json.loads(json.dumps(BODY))
    failed["candidates"][0]["content"]["parts"][2] = {
        "codeExecutionResult": {"outcome": "OUTCOME_DEADLINE_EXCEEDED", "output": ""}
    }
    with responses.RequestsMock() as mock:
        mock.post(URL, json=failed)
        output = _model().generate("hi", tools=[code_execution()])
    use = output.message.content[1]
    assert isinstance(use, ContentToolUse) and use.error == "OUTCOME_DEADLINE_EXCEEDED"


def test_the_code_parts_go_back_as_they_came_signature_included() -> None:
    model = _model()
    with responses.RequestsMock() as mock:
        mock.post(URL, json=BODY)
        first = model.generate("hi", tools=[code_execution()])
        mock.post(URL, json=BODY)
        model.generate(
            [ChatMessageUser(content="hi"), first.message, ChatMessageUser(content="and?")]
        )
        turn = json.loads(mock.calls[1].request.body)["contents"][1]
    assert turn == {
        "role": "model",
        "parts": [{"text": INTRO}, CODE_PART, RESULT_PART, {"text": ANSWER}],
    }


def test_providers_leaving_gemini_out_are_a_config_error() -> None:
    with responses.RequestsMock():
        with pytest.raises(ConfigError, match="does not enable 'gemini'"):
            _model().generate("hi", tools=[web_search({"gemini": False})])
        with pytest.raises(ConfigError, match="does not enable 'google'"):
            _model().generate("hi", tools=[code_execution(providers={"google": False})])


SEARCH_CALL = {
    "toolCall": {
        "toolType": "GOOGLE_SEARCH_WEB",
        "id": "tc_8d2k",
        "args": {"queries": ["northernmost city in the US"]},
    },
    "thoughtSignature": "EjQKMgG+Pvb7",
}
SEARCH_RESPONSE = {
    "toolResponse": {
        "toolType": "GOOGLE_SEARCH_WEB",
        "id": "tc_8d2k",
        "response": {"search_suggestions": "Utqiagvik, Alaska"},
    }
}


def test_server_tool_invocations_are_tool_uses_sent_back_when_signed() -> None:
    body = json.loads(json.dumps(BODY))
    body["candidates"][0]["content"]["parts"] = [
        SEARCH_CALL,
        SEARCH_RESPONSE,
        {"text": "Utqiagvik."},
    ]
    del body["candidates"][0]["groundingMetadata"]
    unsigned = {"toolCall": SEARCH_CALL["toolCall"]}
    model = _model()
    with responses.RequestsMock() as mock:
        mock.post(URL, json=body)
        first = model.generate("hi", tools=[web_search()])
        use = first.message.content[0]
        assert isinstance(use, ContentToolUse)
        assert (use.tool_type, use.id, use.name) == ("web_search", "tc_8d2k", "GOOGLE_SEARCH_WEB")
        assert json.loads(use.arguments) == SEARCH_CALL["toolCall"]["args"]  # type: ignore[index]
        assert json.loads(use.result) == {"search_suggestions": "Utqiagvik, Alaska"}
        mock.post(URL, json=BODY)
        model.generate(
            [ChatMessageUser(content="hi"), first.message, ChatMessageUser(content="and?")]
        )
        turn = json.loads(mock.calls[1].request.body)["contents"][1]
        assert turn["parts"] == [SEARCH_CALL, SEARCH_RESPONSE, {"text": "Utqiagvik."}]
        body["candidates"][0]["content"]["parts"][0] = unsigned
        mock.post(URL, json=body)
        second = model.generate("hi", tools=[web_search()])
        mock.post(URL, json=BODY)
        model.generate(
            [ChatMessageUser(content="hi"), second.message, ChatMessageUser(content="and?")]
        )
        turn = json.loads(mock.calls[3].request.body)["contents"][1]
    assert turn["parts"] == [{"text": "Utqiagvik."}]
