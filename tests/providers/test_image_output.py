"""Image output: ``OutputModality`` / ``ImageOutput`` as Inspect 0.3.285 maps them.

Inspect (``model/_openai_responses.py``, ``_providers/openai.py``,
``_providers/google.py``): image output sends OpenAI models through the
Responses API with one ``image_generation`` tool carrying
``ImageOutput.options["openai"]``; a completed ``image_generation_call``
becomes a ``ContentImage`` data URI; a generated image goes back as the
user's ``input_image``; Gemini asks ``responseModalities: ["TEXT", "IMAGE"]``.
Wire shapes from OpenAI's image generation tool guide
(https://platform.openai.com/docs/guides/tools-image-generation: the
``image_generation`` tool's ``size``/``quality``/``output_format`` options;
the ``image_generation_call`` output item with ``status`` and base64
``result``) and the Gemini API's ``GenerationConfig.responseModalities``
(https://ai.google.dev/api/generate-content#generationconfig).
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
import responses

from modelkit import (
    ChatMessageAssistant,
    ChatMessageUser,
    ConfigError,
    ContentImage,
    ContentText,
    GenerateConfig,
    ImageOutput,
    OutputModality,
    get_model,
)

PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
DRAWN: Dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1741476542,
    "status": "completed",
    "model": "gpt-4.1-2025-04-14",
    "output": [
        {
            "type": "image_generation_call",
            "id": "ig_1",
            "status": "completed",
            "output_format": "png",
            "result": PIXEL,
        },
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Here is your cat.", "annotations": []}],
        },
    ],
    "usage": {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 42,
    },
}


def test_image_output_config_round_trips() -> None:
    modality: OutputModality = ImageOutput(options={"openai": {"size": "1024x1024"}})
    config = GenerateConfig(modalities=["image", modality])
    assert GenerateConfig.from_dict(config.to_dict()) == config
    assert GenerateConfig.model_validate(config.model_dump()).modalities == ["image", modality]
    with pytest.raises(ConfigError, match="ImageOutput"):
        GenerateConfig(modalities=["audio"])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="map a provider to its options"):
        ImageOutput(options={"openai": "big"})  # type: ignore[dict-item]


def test_openai_draws_through_the_responses_image_tool() -> None:
    config = GenerateConfig(
        modalities=[ImageOutput(options={"openai": {"size": "1024x1024", "quality": "low"}})]
    )
    model = get_model("openai/gpt-4.1", api_key="sk-test", config=config, memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post("https://api.openai.com/v1/responses", json=DRAWN)
        output = model.generate("Draw a cat")
        sent = json.loads(mock.calls[0].request.body)
    assert sent["tools"] == [{"type": "image_generation", "size": "1024x1024", "quality": "low"}]
    assert "tool_choice" not in sent
    image, text = output.message.content
    assert image == ContentImage(image=f"data:image/png;base64,{PIXEL}")
    assert text == ContentText(text="Here is your cat.")


def test_a_drawn_image_goes_back_as_the_users() -> None:
    model = get_model("openai/gpt-4.1", api_key="sk-test", responses_api=True, memoize=False)
    history = [
        ChatMessageUser(content="Draw a cat"),
        ChatMessageAssistant(
            content=[ContentImage(image=f"data:image/png;base64,{PIXEL}"), ContentText("Done.")]
        ),
        ChatMessageUser(content="Make it blue"),
    ]
    body = model.api.build_request(  # type: ignore[attr-defined]
        history, [], "none", GenerateConfig(modalities=["image"])
    ).body
    assert body["input"][1:3] == [
        {"role": "assistant", "content": "Done."},
        {
            "role": "user",
            "content": [
                {
                    "type": "input_image",
                    "image_url": f"data:image/png;base64,{PIXEL}",
                    "detail": "auto",
                }
            ],
        },
    ]
    assert body["tools"] == [{"type": "image_generation"}]


def test_an_unfinished_image_call_adds_no_image() -> None:
    failed = dict(DRAWN, output=[dict(DRAWN["output"][0], status="failed", result=None)])
    model = get_model("openai/gpt-4.1", api_key="sk-test", responses_api=True, memoize=False)
    output = model.api.parse_body(failed)  # type: ignore[attr-defined]
    assert not any(isinstance(p, ContentImage) for p in output.message.content_list)


def test_gemini_asks_for_text_and_image() -> None:
    model = get_model("google/gemini-2.5-flash-image", api_key="k", memoize=False)
    for modality in ("image", ImageOutput(options={"openai": {"size": "auto"}})):
        config = GenerateConfig(modalities=[modality])
        body = model.api.build_request(  # type: ignore[attr-defined]
            [ChatMessageUser(content="Draw a cat")], [], "none", config
        ).body
        assert body["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
