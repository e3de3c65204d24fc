"""AWS credentials given to ``get_model`` as Inspect's Bedrock model arguments.

Inspect 0.3.285's Bedrock provider passes its model arguments to
aiobotocore's ``create_client`` (``_providers/bedrock.py``), so
``get_model("bedrock/...", aws_access_key_id=..., aws_secret_access_key=...,
aws_session_token=..., region_name=...)`` signs with those credentials;
botocore's client arguments win over the environment and ``~/.aws``
(https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html,
"Passing credentials as parameters"). Requests are checked with
``responses``; the Authorization header is recomputed with ``_sigv4``'s
primitives, as in test_bedrock.py. The secret key and the session token
must appear in no repr, error, log line, call record or cache entry.
"""

from __future__ import annotations

import json
import logging
import pickle
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import responses

from modelkit import ConfigError, ModelConfig, get_model
from modelkit.errors import AuthenticationError
from modelkit.providers.bedrock import _sigv4 as sigv4

ACCESS_KEY = "AKIAARGEXAMPLE"
SECRET_KEY = "argSecretKey/EXAMPLE+wJalrXUtnFEMI"
SESSION_TOKEN = "arg-session-token-EXAMPLE"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
REGION = "eu-west-3"
ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Bonjour."}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
    "metrics": {"latencyMs": 120},
}
ARGS = {
    "aws_access_key_id": ACCESS_KEY,
    "aws_secret_access_key": SECRET_KEY,
    "aws_session_token": SESSION_TOKEN,
    "region_name": REGION,
}


@pytest.fixture(autouse=True)
def _no_ambient_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws to fall back on


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _model(**args: Any) -> Any:
    return get_model(f"bedrock/{MODEL}", memoize=False, clock=lambda: NOW, **{**ARGS, **args})


def _authorization(request: Any, access_key: str, secret_key: str) -> str:
    signed = ["accept", "content-type", "host", "x-amz-date", "x-amz-security-token"]
    headers = {name: request.headers[name] for name in signed if name != "host"}
    headers["host"] = f"bedrock-runtime.{REGION}.amazonaws.com"
    canonical = sigv4.canonical_request(
        "POST", request.url, headers, request.body, signed_headers=signed
    )
    scope = sigv4.credential_scope("20260102", REGION, "bedrock")
    to_sign = sigv4.string_to_sign("20260102T030405Z", scope, canonical)
    key = sigv4.signing_key(secret_key, "20260102", REGION, "bedrock")
    return sigv4.authorization_header(
        access_key, scope, ";".join(signed), sigv4.signature(key, to_sign)
    )


def test_requests_are_signed_with_the_credentials_given_as_arguments(
    mock: responses.RequestsMock,
) -> None:
    mock.post(sigv4.bedrock_runtime_url(REGION, MODEL), json=ANSWER)
    output = _model().generate("Say hello in French")
    request = mock.calls[0].request
    assert output.completion == "Bonjour."
    assert request.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    assert request.headers["Authorization"] == _authorization(request, ACCESS_KEY, SECRET_KEY)


def test_arguments_win_over_the_environment(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "environment-bedrock-key")
    mock.post(sigv4.bedrock_runtime_url(REGION, MODEL), json=ANSWER)
    _model().generate("hi")
    request = mock.calls[0].request
    assert request.headers["Authorization"] == _authorization(request, ACCESS_KEY, SECRET_KEY)


def test_without_a_session_token(mock: responses.RequestsMock) -> None:
    mock.post(sigv4.bedrock_runtime_url(REGION, MODEL), json=ANSWER)
    model = get_model(
        f"bedrock/{MODEL}",
        memoize=False,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    model.generate("hi")
    assert "X-Amz-Security-Token" not in mock.calls[0].request.headers
    assert f"Credential={ACCESS_KEY}/" in mock.calls[0].request.headers["Authorization"]


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"aws_access_key_id": ACCESS_KEY}, "aws_secret_access_key"),
        ({"aws_secret_access_key": SECRET_KEY}, "aws_access_key_id"),
        ({"aws_session_token": SESSION_TOKEN}, "aws_access_key_id"),
    ],
)
def test_partial_credentials_are_a_config_error_that_names_what_is_missing(
    given: Any, missing: str
) -> None:
    with pytest.raises(ConfigError, match=missing) as caught:
        get_model(f"bedrock/{MODEL}", memoize=False, region_name=REGION, **given)
    assert SECRET_KEY not in str(caught.value) and SESSION_TOKEN not in str(caught.value)


def test_credentials_and_an_api_key_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="api_key"):
        get_model(f"bedrock/{MODEL}", memoize=False, api_key="bedrock-key", **ARGS)


def test_the_secrets_appear_nowhere(
    mock: responses.RequestsMock, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    echo = {"message": f"The security token {SESSION_TOKEN} with secret {SECRET_KEY} is invalid"}
    mock.post(sigv4.bedrock_runtime_url(REGION, MODEL), json=ANSWER)
    mock.post(
        sigv4.bedrock_runtime_url(REGION, MODEL),
        json=echo,
        status=403,
        headers={"x-amzn-ErrorType": "UnrecognizedClientException"},
    )
    model = _model()
    with caplog.at_level(logging.DEBUG, logger="modelkit"):
        output = model.generate("hi", cache=True)
        with pytest.raises(AuthenticationError) as caught:
            model.generate("something else")
    seen = [
        repr(model),
        str(model),
        repr(model.api),
        repr(output),
        json.dumps(output.call.to_dict()),  # type: ignore[union-attr]
        str(caught.value),
        repr(caught.value),
        json.dumps(caught.value.call.to_dict()),  # type: ignore[union-attr]
        caplog.text,
        repr(ModelConfig.from_model(model)),
    ]
    for text in seen:
        assert SECRET_KEY not in text and SESSION_TOKEN not in text
    cache_files = list((tmp_path / "modelkit-cache").rglob("*"))
    assert cache_files, "the answer was cached"
    for path in cache_files:
        if path.is_file():
            data = path.read_bytes()
            assert SECRET_KEY.encode() not in data and SESSION_TOKEN.encode() not in data
    assert "aws_secret_access_key" not in ModelConfig.from_model(model).args


def test_the_credentials_do_not_change_the_cache_key(mock: responses.RequestsMock) -> None:
    mock.post(sigv4.bedrock_runtime_url(REGION, MODEL), json=ANSWER)
    first = _model().generate("hi", cache=True)
    again = _model(aws_access_key_id="AKIAOTHER", aws_secret_access_key="other").generate(
        "hi", cache=True
    )
    assert not first.cached and again.cached


def test_a_pickled_model_keeps_credentials_it_was_given(mock: responses.RequestsMock) -> None:
    # as api_key= is (README, "Beyond one machine"): a worker needs them to sign
    mock.post(sigv4.bedrock_runtime_url(REGION, MODEL), json=ANSWER)
    model = get_model(f"bedrock/{MODEL}", memoize=False, **ARGS)  # (a clock lambda won't pickle)
    restored = pickle.loads(pickle.dumps(model))
    restored.generate("hi")
    assert f"Credential={ACCESS_KEY}/" in mock.calls[0].request.headers["Authorization"]
