"""Redirects are never followed: no prompt and no credential reaches another server.

Two loopback servers: the API's, which answers every request with a
redirect (301, 302, 303, 307, 308) to the other, on another port. Whatever
the status and whichever header carries the key (``Authorization``,
``x-api-key``, ``api-key``, ``x-goog-api-key``, ``X-Amz-Security-Token``),
the other server must receive nothing and the caller gets an ``APIError``
naming the ``Location`` (the policy written in docs/engine.md, "HTTP
details"). RFC 9110 section 15.4 defines the redirect statuses.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterator

import pytest
from loopback import LoopbackServer, Reply

import modelkit
from modelkit.errors import APIError

KEY = "sk-redirect-0123456789"

Factory = Callable[[str, pytest.MonkeyPatch], modelkit.Model]

PROVIDERS: Dict[str, Factory] = {
    "openai": lambda url, mp: modelkit.get_model("openai/gpt-4o", base_url=url, api_key=KEY),
    "anthropic": lambda url, mp: modelkit.get_model(
        "anthropic/claude-sonnet-4-0", base_url=url, api_key=KEY
    ),
    "azure": lambda url, mp: modelkit.get_model("azure/dep", base_url=url, api_key=KEY),
    "google": lambda url, mp: modelkit.get_model(
        "google/gemini-2.5-flash", base_url=url, api_key=KEY
    ),
}


def _bedrock(url: str, mp: pytest.MonkeyPatch) -> modelkit.Model:
    mp.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "secret-access-key")
    mp.setenv("AWS_SESSION_TOKEN", KEY)
    return modelkit.get_model("bedrock/amazon.nova-micro-v1:0", base_url=url, region="us-east-1")


PROVIDERS["bedrock"] = _bedrock


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_redirect_to_another_server_is_not_followed(
    status: int,
    provider: str,
    loopback: LoopbackServer,
    elsewhere: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = f"{elsewhere.url}/v1/chat/completions"
    loopback.default = Reply(status=status, body="", headers={"Location": target})
    model = PROVIDERS[provider](loopback.url, monkeypatch)
    with pytest.raises(APIError) as raised:
        model.generate("the secret prompt")
    assert elsewhere.count == 0, "the other server must receive nothing"
    assert loopback.count == 1, "a redirect is not retried"
    error = raised.value
    assert error.status == status and target in error.message
    assert KEY in str(loopback.requests[0].headers), "the key went to the API itself"


def test_a_same_origin_redirect_is_not_followed_either(loopback: LoopbackServer) -> None:
    loopback.default = Reply(status=307, body="", headers={"Location": "/v2/chat/completions"})
    model = modelkit.get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)
    with pytest.raises(APIError, match="/v2/chat/completions"):
        model.generate("hi")
    assert loopback.count == 1


def test_a_location_with_credentials_is_not_repeated(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        status=302, body="", headers={"Location": f"http://user:pw-in-location@h/?key={KEY}"}
    )
    model = modelkit.get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)
    with pytest.raises(APIError) as raised:
        model.generate("hi")
    text = str(raised.value) + repr(raised.value.headers)
    assert "pw-in-location" not in str(raised.value) and KEY not in text
