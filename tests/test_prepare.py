"""Caller input refused at once, before any request (issue 16, point 10).

Content lists hold content parts only; a ``base_url`` is an http(s) URL
with a host; an image part holds an image. Each error is a ``ConfigError``
naming the value. Runs against ``mockllm``, so no request could be made.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from modelkit import ChatMessageUser, ConfigError, ContentImage, ContentText, get_model

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def _generate(content: Any) -> str:
    model = get_model("mockllm/model")
    return model.generate([ChatMessageUser(content=content)]).completion


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ([{"type": "hologram"}], "unknown content type 'hologram'"),
        ([ContentText(text="hi"), 42], "content holds 42, which is not a content part"),
        (["hi"], "content holds 'hi', which is not a content part"),
        (42, "content must be a string or a list of content parts, got 42"),
        ([{"type": "text"}], "content part {'type': 'text'} is incomplete"),
        ([ContentText(text=7)], "text part must hold a string, got 7"),  # type: ignore[arg-type]
    ],
)
def test_content_that_is_not_content_is_a_config_error(content: Any, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace("{", r"\{").replace("(", r"\(")):
        _generate(content)


def test_content_dicts_of_known_types_become_parts() -> None:
    assert _generate([{"type": "text", "text": "hi"}]) != ""


@pytest.mark.parametrize(
    "image",
    [
        "data:text/x-python;base64," + base64.b64encode(b"print('hi')\n").decode(),
        "data:image/png;base64," + base64.b64encode(b"print('hi')\n").decode(),
        "/work/project/script.py",
    ],
)
def test_an_image_that_is_not_an_image_is_a_config_error(image: str) -> None:
    with pytest.raises(ConfigError, match=r"^image '.*' is not an image: its (type|bytes)"):
        _generate([ContentImage(image=image)])


def test_a_real_image_passes() -> None:
    image = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert _generate([ContentText(text="look"), ContentImage(image=image)]) != ""


@pytest.mark.parametrize(
    ("base_url", "shown"),
    [
        ("localhost:8000/v1", "got 'localhost:8000/v1'; did you mean 'http://localhost:8000/v1'"),
        ("api.example.com", "did you mean 'http://api.example.com'"),
        ("ftp://example.com", "got 'ftp://example.com'"),
        ("http://", "got 'http://'"),
        ("http://user:hunter2@", "got 'http://'"),
    ],
)
def test_a_base_url_without_scheme_or_host_is_a_config_error(base_url: str, shown: str) -> None:
    with pytest.raises(ConfigError, match="base_url must be an http:// or https:// URL") as info:
        get_model("openai/gpt-4o", base_url=base_url, api_key="sk-test")
    assert shown in str(info.value) and "hunter2" not in str(info.value)
