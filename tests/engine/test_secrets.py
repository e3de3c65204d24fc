"""No credential a request carried comes back out of modelkit, whatever the server echoes.

A loopback server plays a proxy that echoes every request header it got
(the way OpenAI's ``Incorrect API key provided: sk-...`` message does) into
its error body, its response headers and, for one case, its successful
answer. For each provider family (openai and a compatible preset, azure,
anthropic, mistral, google, bedrock with SigV4 and with a bearer key) the
key must not show in ``str``/``repr`` of the error, its message, body,
headers, call record or pickle, the INFO retry log, the ``modelkit.http``
DEBUG records, the CLI's stderr or ``modelkit batch -o`` files. A password
in ``base_url`` must not show in ``repr(model.api)`` or ``ModelCall.url``.
Error body shapes follow each API's error reference (OpenAI's
``{"error": {"message", "type"}}`` is what the proxy sends to everyone).
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit
from modelkit.cli import main
from modelkit.errors import APIError

KEY = "sk-proj-EchoedKey0123456789"
SHORT = "k9"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDSessionToken+x/y=="
PASSWORD = "hunter2-pw"
BASIC = base64.b64encode(f"gateway:{PASSWORD}".encode()).decode()


def _echo_all(received: Received, status: int = 401) -> Reply:
    """An error that quotes every header value of the request, three ways."""
    values = " | ".join(f"{name}={value}" for name, value in received.headers.items())
    body = {
        "error": {
            "message": f"Incorrect API key provided: {values}",
            "type": "invalid_request_error",
            "echo": dict(received.headers),
        }
    }
    text = json.dumps(body).replace("/", "\\/")  # a PHP-style encoder escapes slashes
    auth = received.headers.get("authorization", "") + received.headers.get("x-api-key", "")
    return Reply(status=status, body=text, headers={"x-echo": auth})


def _secrets_absent(text: str, secrets: List[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked into: {text[:400]}"


def _everything(error: APIError) -> str:
    call = error.call.to_dict() if error.call is not None else {}
    parts = [
        str(error),
        repr(error),
        error.message,
        json.dumps(error.body),
        json.dumps(error.headers),
        json.dumps(call),
        repr(pickle.loads(pickle.dumps(error)).__dict__),
        pickle.dumps(error).decode("latin-1"),
    ]
    return "\n".join(parts)


Factory = Callable[[LoopbackServer, pytest.MonkeyPatch], modelkit.Model]


def _openai(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model("openai/gpt-4o", base_url=f"{server.url}/v1", api_key=KEY)


def _openai_short_key(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model("openai/gpt-4o", base_url=f"{server.url}/v1", api_key=SHORT)


def _groq(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    mp.setenv("GROQ_API_KEY", KEY)
    return modelkit.get_model("groq/llama-3.3-70b", base_url=f"{server.url}/openai/v1")


def _azure(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model("azure/my-deployment", base_url=server.url, api_key=KEY)


def _azure_ad_token(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    mp.setenv("AZURE_OPENAI_AD_TOKEN", KEY)
    return modelkit.get_model("azure/my-deployment", base_url=server.url)


def _anthropic(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model("anthropic/claude-sonnet-4-0", base_url=server.url, api_key=KEY)


def _mistral(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model("mistral/mistral-small-latest", base_url=server.url, api_key=KEY)


def _google(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model("google/gemini-2.5-flash", base_url=server.url, api_key=KEY)


def _bedrock_sigv4(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    mp.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    mp.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    mp.setenv("AWS_SESSION_TOKEN", AWS_TOKEN)
    return modelkit.get_model(
        "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", base_url=server.url, region="us-east-1"
    )


def _bedrock_bearer(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    return modelkit.get_model(
        "bedrock/amazon.nova-micro-v1:0", base_url=server.url, api_key=KEY, region="us-east-1"
    )


def _userinfo(server: LoopbackServer, mp: pytest.MonkeyPatch) -> modelkit.Model:
    url = server.url.replace("http://", f"http://gateway:{PASSWORD}@")
    return modelkit.get_model("openai/gpt-4o", base_url=f"{url}/v1", api_key=KEY)


CASES: Dict[str, Any] = {
    "openai": (_openai, [KEY]),
    "openai-short-key": (_openai_short_key, [SHORT]),
    "groq": (_groq, [KEY]),
    "azure": (_azure, [KEY]),
    "azure-ad-token": (_azure_ad_token, [KEY]),
    "anthropic": (_anthropic, [KEY]),
    "mistral": (_mistral, [KEY]),
    "google": (_google, [KEY]),
    "bedrock-sigv4": (_bedrock_sigv4, [AWS_SECRET, AWS_TOKEN]),
    "bedrock-bearer": (_bedrock_bearer, [KEY]),
    "base-url-password": (_userinfo, [KEY, PASSWORD, BASIC]),
}


@pytest.fixture
def echoing(loopback: LoopbackServer) -> Iterator[LoopbackServer]:
    loopback.default = _echo_all
    yield loopback


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_echoed_credential_reaches_no_error_record_or_log(
    case: str,
    echoing: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    factory, secrets = CASES[case]
    model = factory(echoing, monkeypatch)
    echoing.default = lambda received: _echo_all(received, status=500)
    echoing.script(Reply(status=500, body="x", headers={"retry-after-ms": "1"}))  # one retry
    http_logger = logging.getLogger("modelkit.http")
    http_logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="modelkit")
    try:
        with pytest.raises(APIError) as raised:
            model.generate("hi", config=modelkit.GenerateConfig(max_retries=1))
    finally:
        http_logger.setLevel(logging.NOTSET)
    sent = echoing.requests[-1].headers
    assert any(s in json.dumps(sent) for s in secrets), "the secret was sent, and echoed"
    _secrets_absent(_everything(raised.value), secrets)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "retry 1 of 1" in logged and "modelkit.http" in {r.name for r in caplog.records}
    _secrets_absent(logged, secrets)
    _secrets_absent(repr(model.api), secrets)


def test_an_echoed_key_in_a_successful_answer_stays_out_of_the_record(
    echoing: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    echoing.default = lambda r: Reply(
        body=chat_completion(f"you sent {r.headers['authorization']}")
    )
    model = _openai(echoing, pytest.MonkeyPatch())
    http_logger = logging.getLogger("modelkit.http")
    http_logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="modelkit")
    try:
        output = model.generate("hi")
    finally:
        http_logger.setLevel(logging.NOTSET)
    assert output.completion == f"you sent Bearer {KEY}", "the answer itself is left as sent"
    assert output.call is not None
    _secrets_absent(json.dumps(output.call.to_dict()) + repr(output.call), [KEY])
    _secrets_absent("\n".join(r.getMessage() for r in caplog.records), [KEY])


def test_a_non_json_echo_is_scrubbed_in_the_format_error(echoing: LoopbackServer) -> None:
    echoing.default = lambda r: Reply(body=f"<html>{r.headers['authorization']}</html>")
    model = _openai(echoing, pytest.MonkeyPatch())
    with pytest.raises(APIError) as raised:
        model.generate("hi")
    assert "<html>" in raised.value.message
    _secrets_absent(_everything(raised.value), [KEY])


def test_a_password_in_base_url_is_kept_out_of_repr_and_records(
    loopback: LoopbackServer,
) -> None:
    model = _userinfo(loopback, pytest.MonkeyPatch())
    assert PASSWORD not in repr(model.api) and "gateway:[redacted]@" in repr(model.api)
    assert PASSWORD not in model.api.connection_key()
    output = model.generate("hi")
    assert output.call is not None and output.call.url is not None
    assert PASSWORD not in output.call.url and output.call.url.endswith("/v1/chat/completions")


@pytest.mark.parametrize("command", ["generate", "batch"])
def test_the_cli_prints_and_writes_no_echoed_key(
    command: str,
    echoing: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    common = ["--model", "openai/gpt-4o", "--base-url", f"{echoing.url}/v1"]
    out = tmp_path / "out.jsonl"
    if command == "generate":
        code = main(["generate", *common, "hi"])
    else:
        source = tmp_path / "in.jsonl"
        source.write_text('"one"\n"two"\n', encoding="utf-8")
        code = main(["batch", *common, "-o", str(out), str(source)])
    captured = capsys.readouterr()
    written = out.read_text(encoding="utf-8") if out.exists() else ""
    assert code != 0 or written
    assert "Incorrect API key" in captured.err + written
    _secrets_absent(captured.out + captured.err + written, [KEY])
