"""Shared scaffolding for the provider wire tests: fixture loading and mocked POSTs.

``load_fixture`` reads ``tests/fixtures/<provider>/<name>`` as JSON;
``without_message_ids`` drops the random message ids from an output's
dict before it is compared with a fixture; ``expect_post`` registers one answer on a ``responses.RequestsMock`` that
only matches a POST whose JSON body equals the expected request and whose
headers include the expected ones. Plain functions, imported by the test
modules in this folder as ``from wire import ...`` (pytest puts the folder on
``sys.path``, there being no ``__init__.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import responses
from eventstream import encode_event
from responses import matchers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_fixture(provider: str, name: str) -> Any:
    """The JSON in ``tests/fixtures/<provider>/<name>`` (``name`` includes ``.json``)."""
    return json.loads((FIXTURES / provider / name).read_text(encoding="utf-8"))


def without_message_ids(data: Any) -> Any:
    """``data`` with the ``id`` of every message (a dict with a ``role``) left out.

    Message ids are random (made when a message is), so expected outputs in
    fixtures leave them out; tool call ids, which the API sends, stay.
    """
    if isinstance(data, list):
        return [without_message_ids(item) for item in data]
    if isinstance(data, dict):
        return {
            key: without_message_ids(value)
            for key, value in data.items()
            if not (key == "id" and "role" in data)
        }
    return data


def expect_post(
    mock: responses.RequestsMock,
    url: str,
    *,
    request: Optional[Any] = None,
    response: Any = None,
    headers: Optional[Dict[str, str]] = None,
    status: int = 200,
    response_headers: Optional[Dict[str, str]] = None,
) -> None:
    """Answer one POST to ``url`` with ``response`` as JSON.

    Args:
        mock: The active ``responses.RequestsMock``.
        url: The URL the POST must go to.
        request: The exact JSON body the POST must carry; ``None`` matches any body.
        response: The JSON body of the answer.
        headers: Headers the POST must carry (others are allowed); ``None`` checks none.
        status: The answer's HTTP status.
        response_headers: Headers of the answer.
    """
    match: List[Any] = []
    if headers is not None:
        match.append(matchers.header_matcher(headers))
    if request is not None:
        match.append(matchers.json_params_matcher(request))
    mock.post(url, json=response, status=status, headers=response_headers, match=match)


def load_bytes(provider: str, name: str) -> bytes:
    """The raw bytes of ``tests/fixtures/<provider>/<name>`` (a recorded stream body)."""
    return (FIXTURES / provider / name).read_bytes()


def expect_stream(
    mock: responses.RequestsMock,
    url: str,
    body: bytes,
    *,
    content_type: str = "text/event-stream",
    match: Optional[List[Any]] = None,
    status: int = 200,
) -> None:
    """Answer one POST to ``url`` with the stream ``body``."""
    mock.post(url, body=body, status=status, content_type=content_type, match=match or [])


def stream_both_ways(
    model: Any,
    mock: responses.RequestsMock,
    url: str,
    stream_body: bytes,
    response: Any,
    input: Any = "hi",
    content_type: str = "text/event-stream",
    stream_url: Optional[str] = None,
    **kwargs: Any,
) -> Any:
    """Stream ``stream_body`` (from ``stream_url``, default ``url``) and generate ``response``.

    Returns:
        ``(events, streamed_output, generated_output)``; ``time`` and ``call``
        are cleared from both outputs so they compare on content.
    """
    expect_stream(mock, stream_url or url, stream_body, content_type=content_type)
    with model.stream(input, **kwargs) as stream:
        events = list(stream)
    mock.post(url, json=response)
    generated = model.generate(input, **kwargs)
    streamed = stream.output
    streamed.time = generated.time = None
    return events, streamed, generated


def encode_events(events: List[Dict[str, Any]]) -> bytes:
    """A fixture's ``[{"headers": {...}, "payload": {...}}]`` as an event-stream body."""
    return b"".join(
        encode_event(event["headers"], json.dumps(event["payload"]).encode("utf-8"))
        for event in events
    )
