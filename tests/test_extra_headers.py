"""``extra_headers`` that HTTP cannot carry are a ``ConfigError`` when the config is made.

``http.client`` (under ``requests``) encodes header values as Latin-1 and
``requests`` refuses values with line breaks or leading whitespace
(https://docs.python.org/3/library/http.client.html#http.client.HTTPConnection.putheader,
requests ``utils.check_header_validity``); names are RFC 9110 tokens
(https://www.rfc-editor.org/rfc/rfc9110#name-field-names). Issue 19
point 16: such a value used to escape ``generate`` as ``UnicodeEncodeError``.
A message names the header and never its value (it may be a secret).
"""

from __future__ import annotations

from typing import Any

import pytest
from loopback import LoopbackServer

from modelkit import ConfigError, GenerateConfig, get_model

SECRET = "s3cr\u00e9t-\u2603-token"


@pytest.mark.parametrize(
    "headers, message",
    [
        ({"X-Token": SECRET}, "only Latin-1"),
        ({"X-Token": "ok\r\nX-Evil: 1"}, "line breaks"),
        ({"X-Token": "ok\nmore"}, "line breaks"),
        ({"X-Token": 42}, "must be a string, got int"),
        ({"X-Token": b"bytes"}, "must be a string, got bytes"),
        ({"X-Token": " padded"}, "start with whitespace"),
        ({"X T\u00f6ken": "v"}, "not a header name"),
        ({"X-Token:": "v"}, "not a header name"),
        ({7: "v"}, "name int is not a header name"),
    ],
)
def test_bad_extra_headers_are_a_config_error(headers: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as built:
        GenerateConfig(extra_headers=headers)
    config = GenerateConfig()
    with pytest.raises(ConfigError, match=message) as assigned:
        config.extra_headers = headers
    for error in (built.value, assigned.value):
        assert SECRET not in str(error) and "\u2603" not in str(error)
    if isinstance(next(iter(headers)), str) and message != "not a header name":
        assert repr(next(iter(headers))) in str(built.value)  # names the header


def test_latin_1_values_are_sent(loopback: LoopbackServer) -> None:
    model = get_model("vllm/served", base_url=f"{loopback.url}/v1", memoize=False)
    model.generate("hi", config={"extra_headers": {"X-Name": "Caf\u00e9 cr\u00e8me"}})
    assert loopback.requests[-1].headers["x-name"] == "Caf\u00e9 cr\u00e8me"


def test_a_call_with_such_a_header_never_escapes_as_unicode_error(
    loopback: LoopbackServer,
) -> None:
    model = get_model("vllm/served", base_url=f"{loopback.url}/v1", memoize=False)
    with pytest.raises(ConfigError, match="'X-Token'"):
        model.generate("hi", config={"extra_headers": {"X-Token": SECRET}})
    assert loopback.count == 0
