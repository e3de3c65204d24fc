"""Secrets and bulky media are kept out of reprs, records and logs."""

from __future__ import annotations

from modelkit._redact import (
    REDACTED,
    Scrubber,
    redact_headers,
    redact_text,
    redact_url,
    request_secrets,
    shorten_media,
)
from modelkit.providers._rest import HttpRequest


def test_every_credential_header_is_redacted_on_a_copy() -> None:
    headers = {
        "Authorization": "Bearer secret-1",
        "x-api-key": "secret-2",
        "API-Key": "secret-3",
        "x-goog-api-key": "secret-4",
        "X-Amz-Security-Token": "secret-5",
        "Content-Type": "application/json",
    }
    redacted = redact_headers(headers)
    assert "secret" not in repr(redacted)
    assert redacted["Content-Type"] == "application/json"
    assert headers["x-api-key"] == "secret-2", "the input must not change"


def test_http_request_repr_hides_credentials() -> None:
    request = HttpRequest("https://api.test/v1", {"Authorization": "Bearer secret-1"}, {"a": 1})
    assert "secret-1" not in repr(request) and REDACTED in repr(request)


def test_base64_media_is_shortened_but_ordinary_text_is_not() -> None:
    data_uri = "data:image/png;base64," + "A" * 4000
    raw = "QUJD" * 500
    prose = "word " * 400
    body = {
        "messages": [{"content": [{"image_url": {"url": data_uri}}, {"text": prose}]}],
        "b": raw,
    }
    short = shorten_media(body)
    assert short["messages"][0]["content"][0]["image_url"]["url"] == (
        "data:image/png;base64,[4000 base64 characters]"
    )
    assert short["messages"][0]["content"][1]["text"] == prose
    assert short["b"] == "[2000 base64 characters]"
    assert body["b"] == raw, "the input must not change"


def test_redact_text_replaces_each_secret() -> None:
    assert redact_text("key=abc and abc", ["abc", None, ""]) == f"key={REDACTED} and {REDACTED}"


def test_redact_url_masks_userinfo_only() -> None:
    assert redact_url("http://u:pw@h:1/v1") == f"http://u:{REDACTED}@h:1/v1"
    assert redact_url("https://token@h/v1") == f"https://{REDACTED}@h/v1"
    assert redact_url("https://h/v1/a@b") == "https://h/v1/a@b"
    assert redact_url("https://h/v1") == "https://h/v1"


def test_request_secrets_finds_header_values_bearer_tokens_and_userinfo() -> None:
    found = request_secrets(
        {"Authorization": "Bearer tok", "x-api-key": "k", "Accept": "json"},
        "http://user:p%40ss@host/v1",
        ["aws-secret", None, ""],
    )
    assert {"Bearer tok", "tok", "k", "p%40ss", "p@ss", "user:p%40ss", "aws-secret"} <= set(found)
    assert "json" not in found and "host" not in found
    assert list(found) == sorted(found, key=len, reverse=True)


def test_scrubber_replaces_secrets_as_sent_and_json_escaped() -> None:
    scrubber = Scrubber(["a/b+c", "k"])
    assert scrubber.text("x a/b+c k") == f"x {REDACTED} {REDACTED}"
    assert scrubber.bytes(b'{"m": "a\\/b+c"}') == b'{"m": "[redacted]"}'
    data = b"nothing here"
    assert scrubber.bytes(data) is data
    body = {"m": ["a/b+c"], "n": 1}
    assert scrubber.value(body) == {"m": [REDACTED], "n": 1}
    clean = {"m": "fine"}
    assert scrubber.value(clean) is clean
    assert not Scrubber([])
