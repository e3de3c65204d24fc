"""A loopback server that answers every provider family, echoing the credentials it got.

``answer`` routes a request by its path (and its model, for the two APIs
on ``/v1/chat/completions``) to a documented response body from
``tests/fixtures`` (the pages each fixture follows are cited in the
provider test modules), streamed when the request asks for a stream. Like
a careless proxy, it echoes every credential the request carried into a
response header and, for JSON bodies and SSE streams, into the body (an
extra ``echo`` field, an SSE comment line): a cassette must write none of
them. ``CASES`` builds one model per family against a server's URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from eventstream import encode_event
from loopback import Received, Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEY = "sk-proj-CassetteKey0123456789"
AWS_ACCESS_KEY = "AKIDCASSETTEEXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCASSETTEKEY"
AWS_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDCassetteToken+x/y=="
SECRETS = [KEY, AWS_ACCESS_KEY, AWS_SECRET, AWS_TOKEN]
SECRET_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key", "x-amz-security-token")

EVENTSTREAM = "application/vnd.amazon.eventstream"


def fixture(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / name).read_bytes()


def _eventstream() -> bytes:
    events = json.loads(fixture("bedrock", "stream_tools.events.json"))
    return b"".join(
        encode_event(event["headers"], json.dumps(event["payload"]).encode()) for event in events
    )


# (path test, model test) -> (plain body file, stream body file); first match wins.
ROUTES: List[Tuple[Callable[[str, Dict[str, Any]], bool], Tuple[str, str], Tuple[str, str]]] = [
    (
        lambda path, body: (
            path.endswith("/chat/completions") and "mistral" in body.get("model", "")
        ),
        ("mistral", "text.response.json"),
        ("mistral", "stream_text.sse"),
    ),
    (
        lambda path, body: path.endswith("/chat/completions"),
        ("openai", "full.response.json"),
        ("openai", "stream_text.sse"),
    ),
    (
        lambda path, body: path.endswith("/responses"),
        ("openai-responses", "tools.response.json"),
        ("openai-responses", "stream_tools.sse"),
    ),
    (
        lambda path, body: path.endswith("/messages"),
        ("anthropic", "text.response.json"),
        ("anthropic", "stream_text.sse"),
    ),
    (
        lambda path, body: "generateContent" in path or "GenerateContent" in path,
        ("google", "chat.response.json"),
        ("google", "stream_tools.sse"),
    ),
    (
        lambda path, body: "/converse" in path,
        ("bedrock", "chat.response.json"),
        ("bedrock", "(eventstream)"),
    ),
]


def echoed(received: Received) -> str:
    """Every credential value the request carried, joined."""
    return " ".join(
        value for name, value in received.headers.items() if name.lower() in SECRET_HEADERS
    )


def answer(received: Received) -> Reply:
    """The documented answer to ``received``, with its credentials echoed."""
    body = received.json() if received.body else {}
    path = received.path.split("?")[0]
    stream = bool(body.get("stream")) or "stream" in path.lower()
    echo = echoed(received)
    headers = {"x-echo": echo, "Date": "Mon, 07 Dec 2026 12:00:00 GMT", "x-request-id": "req-1"}
    for matches, plain, streamed in ROUTES:
        if not matches(path, body):
            continue
        if not stream:
            document = json.loads(fixture(*plain))
            document["echo"] = echo
            return Reply(body=document, headers=headers)
        if streamed[1] == "(eventstream)":
            return Reply(body=_eventstream(), headers={**headers, "Content-Type": EVENTSTREAM})
        text = f": echo {echo}\n\n".encode() + fixture(*streamed)
        return Reply(body=text, headers={**headers, "Content-Type": "text/event-stream"})
    return Reply(status=404, body={"error": {"message": f"no route for {path}"}})


def _openai(url: str, mp: Any) -> Any:
    import modelkit

    return modelkit.get_model("openai/gpt-4o", base_url=f"{url}/v1", api_key=KEY, memoize=False)


def _responses(url: str, mp: Any) -> Any:
    import modelkit

    return modelkit.get_model(
        "openai/gpt-4.1", base_url=f"{url}/v1", api_key=KEY, responses_api=True, memoize=False
    )


def _groq(url: str, mp: Any) -> Any:
    import modelkit

    mp.setenv("GROQ_API_KEY", KEY)
    return modelkit.get_model("groq/llama-3.3-70b", base_url=f"{url}/openai/v1", memoize=False)


def _anthropic(url: str, mp: Any) -> Any:
    import modelkit

    return modelkit.get_model(
        "anthropic/claude-sonnet-4-0", base_url=url, api_key=KEY, memoize=False
    )


def _google(url: str, mp: Any) -> Any:
    import modelkit

    return modelkit.get_model("google/gemini-2.5-flash", base_url=url, api_key=KEY, memoize=False)


def _mistral(url: str, mp: Any) -> Any:
    import modelkit

    return modelkit.get_model(
        "mistral/mistral-small-latest", base_url=url, api_key=KEY, memoize=False
    )


def _bedrock(url: str, mp: Any) -> Any:
    import modelkit

    mp.setenv("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY)
    mp.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    mp.setenv("AWS_SESSION_TOKEN", AWS_TOKEN)
    return modelkit.get_model(
        "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0",
        base_url=url,
        region="us-east-1",
        memoize=False,
    )


CASES: Dict[str, Callable[[str, Any], Any]] = {
    "openai": _openai,
    "openai-responses": _responses,
    "groq": _groq,
    "anthropic": _anthropic,
    "google": _google,
    "mistral": _mistral,
    "bedrock": _bedrock,
}
