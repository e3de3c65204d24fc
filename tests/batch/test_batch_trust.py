"""A batch handle or a batch API's answer never decides where a key goes.

Three rules (``modelkit/batch/_trust.py``), each against loopback fakes of
the batch APIs (``batch_fakes``; the shapes follow OpenAI's Batch API,
https://platform.openai.com/docs/api-reference/batch, Anthropic's Message
Batches, https://docs.anthropic.com/en/api/retrieving-message-batches
(``results_url``: a ``.jsonl`` file, fetched with ``x-api-key``), and
Gemini's batch mode and Files API resumable upload,
https://ai.google.dev/gemini-api/docs/batch-mode and
https://ai.google.dev/api/files (``x-goog-upload-url``)). An "attacker" is a
second loopback server: another port is another origin.

* A handle's ``base_url`` must match the model's root (issue 19, point 5).
* Credentials go only to the configured API's origin (point 6).
* Ids from a handle or an answer are validated and quoted (point 7).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from batch_fakes import FakeAnthropic, FakeGemini, FakeOpenAI
from loopback import LoopbackServer, Received, Reply

from modelkit import get_model
from modelkit.batch import BatchHandle
from modelkit.batch._trust import check_base_url, normal_root, path_id, same_origin
from modelkit.cli import main
from modelkit.config import BatchConfig
from modelkit.errors import ConfigError, ResponseFormatError

KEY = "sk-test-trust-key"
FAST = {"batch": BatchConfig(tick=0.001, max_tick=0.01)}


def _openai(url: str) -> Any:
    return get_model("openai/gpt-4o", base_url=url, api_key=KEY, memoize=False)


def _key_in(requests: List[Received]) -> bool:
    return any(KEY in json.dumps(r.headers) for r in requests)


# --- point 5: the handle's base URL ---------------------------------------------


def test_normalised_roots_compare_equal() -> None:
    assert normal_root("HTTPS://API.OpenAI.com:443/v1/") == "https://api.openai.com/v1"
    assert normal_root("http://user:pw@127.0.0.1:80/v1?x=1") == "http://127.0.0.1/v1"
    check_base_url("HTTPS://api.openai.com:443/v1/", "https://api.openai.com/v1", "openai/m")
    with pytest.raises(ConfigError) as caught:
        check_base_url("https://evil.example/v1", "https://api.openai.com/v1", "openai/m")
    message = str(caught.value)
    assert "https://evil.example/v1" in message and "https://api.openai.com/v1" in message
    assert "--base-url" in message and "base_url=" in message


def test_a_handle_for_another_root_is_refused_by_the_model() -> None:
    with LoopbackServer(default=FakeOpenAI()) as api, LoopbackServer() as attacker:
        model = _openai(f"{api.url}/v1")
        handle = model.batch_submit(["one"])
        moved = BatchHandle.from_json(handle.to_json())
        moved.base_url = f"{attacker.url}/v1"
        for call in (model.batch_status, model.batch_cancel, model.batch_collect):
            with pytest.raises(ConfigError, match="never chooses where the API key goes"):
                call(moved.to_json())
        same = BatchHandle.from_json(handle.to_json())
        same.base_url = f"{api.url.upper()}/v1/"  # the same root, written differently
        assert model.batch_status(same).total == 1
    assert attacker.requests == []


def _submit_cli(api: LoopbackServer, tmp_path: Path) -> Path:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('"one"\n"FAIL two"\n', encoding="utf-8")
    handle = tmp_path / "handle.json"
    argv = ["batch", "submit", "-m", "openai/gpt-4o", "--base-url", f"{api.url}/v1"]
    assert main([*argv, str(prompts), "-o", str(handle)]) == 0
    return handle


@pytest.mark.parametrize("command", ["status", "collect", "cancel"])
def test_the_cli_never_sends_the_key_to_the_handles_base_url(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LoopbackServer(default=FakeOpenAI()) as api, LoopbackServer() as attacker:
        handle = _submit_cli(api, tmp_path)
        data = json.loads(handle.read_text(encoding="utf-8"))
        data["base_url"] = f"{attacker.url}/v1"
        handle.write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{api.url}/v1")  # the root this user trusts
        capsys.readouterr()
        assert main(["batch", command, str(handle)]) == 1
        err = capsys.readouterr().err
    assert attacker.requests == []
    assert err.count("\n") == 1 and f"submitted to {attacker.url}/v1" in err
    assert f"sends to {api.url}/v1" in err and "--base-url" in err
    assert KEY not in err


def test_the_cli_uses_the_environments_root_and_checks_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LoopbackServer(default=FakeOpenAI()) as api:
        handle = _submit_cli(api, tmp_path)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{api.url}/v1/")
        assert main(["batch", "status", str(handle)]) == 0
        assert json.loads(capsys.readouterr().out)["total"] == 2
        assert main(["batch", "status", "-m", "openai/gpt-4o-mini", str(handle)]) == 1
        assert "is for openai/gpt-4o" in capsys.readouterr().err


# --- point 6: credentials only to the configured origin --------------------------


def test_same_origin() -> None:
    assert same_origin("https://API.anthropic.com:443/v1/x", "https://api.anthropic.com")
    assert not same_origin("http://api.anthropic.com/v1/x", "https://api.anthropic.com")
    assert not same_origin("https://api.anthropic.com:8443/x", "https://api.anthropic.com")
    assert not same_origin("https://api.anthropic.com.evil.example/x", "https://api.anthropic.com")
    assert not same_origin(
        "https://evil.example@api.anthropic.com.x/x", "https://api.anthropic.com"
    )
    assert not same_origin("file:///etc/passwd", "https://api.anthropic.com")


def test_anthropic_results_url_on_another_origin_gets_no_key() -> None:
    fake = FakeAnthropic()
    with LoopbackServer(default=fake) as api, LoopbackServer(default=Reply(200, b"")) as attacker:
        fake.url = attacker.url  # results_url: http://127.0.0.1:<other port>/v1/...
        model = get_model(
            "anthropic/claude-sonnet-4-5", base_url=api.url, api_key=KEY, memoize=False
        )
        with pytest.raises(ResponseFormatError) as caught:
            model.generate_many(["a"], config=FAST)
    assert attacker.requests == []
    message = str(caught.value)
    assert attacker.url in message and "nothing was sent" in message
    assert KEY not in message


def test_anthropic_results_url_on_the_api_origin_is_fetched() -> None:
    fake = FakeAnthropic()
    with LoopbackServer(default=fake) as api:
        fake.url = api.url
        model = get_model(
            "anthropic/claude-sonnet-4-5", base_url=api.url, api_key=KEY, memoize=False
        )
        assert model.generate_many(["a"], config=FAST)[0].completion == "echo: a"


def test_gemini_upload_url_on_another_origin_gets_no_key() -> None:
    fake = FakeGemini()
    with LoopbackServer(default=fake) as api, LoopbackServer() as attacker:
        fake.url = attacker.url  # x-goog-upload-url points elsewhere
        model = get_model("google/gemini-2.5-flash", base_url=api.url, api_key=KEY, memoize=False)
        client = model.api.batch_client()
        with pytest.raises(ResponseFormatError, match="nothing was sent"):
            client._upload([b'{"key": "0", "request": {}}'])
    assert attacker.requests == []
    assert [r.path for r in api.requests] == ["/upload/v1beta/files"]


# --- point 7: ids in URL paths ---------------------------------------------------


def test_path_ids_are_validated_and_quoted() -> None:
    assert path_id("batch_abc-123.x~y") == "batch_abc-123.x~y"
    for bad in (
        "../fine_tuning/jobs/x/cancel#",
        "..",
        ".hidden",
        "a/b",
        "a?b",
        "a#",
        "",
        7,
        "a" * 300,
    ):
        assert path_id(bad) is None


def test_a_handle_with_a_hostile_job_id_is_refused_before_any_request() -> None:
    with LoopbackServer(default=FakeOpenAI()) as api:
        model = _openai(f"{api.url}/v1")
        data = json.loads(model.batch_submit(["one"]).to_json())
        sent = len(api.requests)
        data["jobs"][0]["id"] = "../fine_tuning/jobs/x/cancel#"
        for call in (model.batch_status, model.batch_cancel):
            with pytest.raises(ConfigError, match="batch id that is not one"):
                call(json.dumps(data))
        assert len(api.requests) == sent


class HostileFileIds(FakeOpenAI):
    """OpenAI's fake, answering an output file id that climbs out of ``/files``."""

    def finish(self, batch: Dict[str, Any], state: str) -> None:
        super().finish(batch, state)
        batch["output_file_id"] = "../batches/batch_1/cancel#"


def test_a_hostile_file_id_from_the_api_is_refused() -> None:
    with LoopbackServer(default=HostileFileIds()) as api:
        model = _openai(f"{api.url}/v1")
        with pytest.raises(ResponseFormatError, match="file id that is not one"):
            model.generate_many(["one"], config=FAST)
    assert not any("cancel" in r.path or ".." in r.path for r in api.requests)


def test_gemini_names_keep_their_prefix() -> None:
    with LoopbackServer(default=FakeGemini()) as api:
        model = get_model("google/gemini-2.5-flash", base_url=api.url, api_key=KEY, memoize=False)
        client = model.api.batch_client()
        assert client.job_path("batches/b1") == "batches/b1"
        assert client.file_path("files/batch-2") == "files/batch-2"
        for bad in ("batches/../files/x", "files/x", "batches/b1:cancel"):
            with pytest.raises(ResponseFormatError):
                client.job_path(bad)
