"""The README tells the truth about providers and their environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from modelkit.api import BUILTIN_PROVIDERS, resolve_provider

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _row(provider: str) -> str:
    for line in README.splitlines():
        if line.startswith((f"| `{provider}`", f"| `{provider}/")):
            return line
    raise AssertionError(f"no row for {provider!r} in the README's provider table")


@pytest.mark.parametrize("provider", sorted(BUILTIN_PROVIDERS))
def test_every_provider_has_a_row_naming_its_variables(provider: str) -> None:
    row = _row(provider)
    for variable in resolve_provider(provider).env_vars:
        assert f"`{variable}`" in row, f"{variable} missing from the {provider} row"


def test_the_two_fresh_machine_commands_are_shown() -> None:
    assert "make demo" in README and "make test" in README


def _cells(provider: str) -> List[str]:
    return [cell.strip() for cell in _row(provider).strip("|").split("|")]


@pytest.mark.parametrize("provider", [p for p in sorted(BUILTIN_PROVIDERS) if p != "mockllm"])
def test_a_video_no_in_the_table_is_a_config_error_before_sending(
    provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the table's video column: "no" means modelkit refuses it before any request
    from modelkit import ChatMessageUser, ConfigError, ContentVideo, get_model

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    video_cell = _cells(provider)[5]
    spec = "openai-api/acme/m" if provider == "openai-api" else f"{provider}/some-model"
    model = get_model(spec, api_key="k", base_url="http://127.0.0.1:9/v1", memoize=False)
    clip = ChatMessageUser(content=[ContentVideo(video="data:video/mp4;base64,AAAA", format="mp4")])
    if video_cell.startswith("no"):
        with pytest.raises(ConfigError, match="video"):
            model.api.build_request([clip], [], "none", model.config)  # type: ignore[attr-defined]
    else:
        model.api.build_request([clip], [], "none", model.config)  # type: ignore[attr-defined]


def test_anthropic_audio_no_is_a_config_error_before_sending() -> None:
    from modelkit import ChatMessageUser, ConfigError, ContentAudio, get_model

    assert _cells("anthropic")[4] == "no"
    model = get_model("anthropic/claude-sonnet-4-5", api_key="k", memoize=False)
    clip = ChatMessageUser(
        content=[ContentAudio(audio="data:audio/wav;base64,UklGRg==", format="wav")]
    )
    with pytest.raises(ConfigError, match="audio"):
        model.api.build_request([clip], [], "none", model.config)  # type: ignore[attr-defined]
