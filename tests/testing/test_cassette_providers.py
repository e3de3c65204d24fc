"""Cassettes record every provider family over a real socket and replay it with sockets blocked.

For OpenAI chat, the Responses API, a compatible preset (Groq), Anthropic,
Google, Mistral and Bedrock (SigV4 signed, ``ConverseStream`` in AWS
event-stream framing), a plain call and a stream are recorded against the
loopback server of ``provider_server`` (documented response bodies from
``tests/fixtures``), then replayed with every ``socket.connect`` refused:
the outputs and the stream events must be equal, and the cassette file
must hold none of the credentials sent or echoed back.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from loopback import LoopbackServer
from provider_server import CASES, SECRETS, answer

from modelkit.testing import cassette


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(default=answer) as running:
        yield running


def comparable(output: Any) -> Any:
    """An output's dict without what differs between two runs (times, random message ids)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: clean(v)
                for k, v in value.items()
                if k != "time" and not (k == "id" and "role" in value)
            }
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return clean(output.to_dict())


def events_of(events: List[Any]) -> List[Any]:
    """Stream events, the final one's output made comparable."""
    return [
        (type(e).__name__, comparable(e.output)) if getattr(e, "output", None) else e for e in events
    ]


def run(model: Any) -> Tuple[Any, List[Any], Any]:
    """A plain call, then a stream: (output, events, streamed output)."""
    output = model.generate("Say hello")
    with model.stream("Say hello") as stream:
        events = list(stream)
    return output, events, stream.output


@pytest.mark.parametrize("family", sorted(CASES))
def test_record_then_replay_offline(
    family: str, server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cassettes" / f"{family}.json"
    with cassette(path, mode="record") as recorded:
        assert recorded.recording
        live = run(CASES[family](server.url, monkeypatch))
    assert server.count == 2
    assert live[1], "the stream gave events"

    text = path.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text
        assert json.dumps(secret)[1:-1] not in text
    assert "x-echo" in text  # the echo header was kept, its credentials replaced
    assert '"date"' not in text.lower() and "req-1" not in text

    server.stop()
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    with cassette(path, mode="replay") as replayed:
        assert not replayed.recording
        again = run(CASES[family](server.url, monkeypatch))
    assert comparable(again[0]) == comparable(live[0])
    assert events_of(again[1]) == events_of(live[1])
    assert comparable(again[2]) == comparable(live[2])


def _refuse(self: socket.socket, *args: Any) -> None:
    raise AssertionError(f"a socket was connected during replay: {args}")


def test_bedrock_stream_is_replayed_byte_exact(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event-stream frames are written readably and replay the bytes received."""
    from provider_server import _eventstream

    path = tmp_path / "bedrock.json"
    model = CASES["bedrock"](server.url, monkeypatch)
    with cassette(path, mode="record"), model.stream("Say hello") as stream:
        list(stream)
    written = json.loads(path.read_text())["interactions"][0]["response"]["body"]
    frames = written["eventstream"]
    assert frames[0]["headers"][":event-type"] == "messageStart"
    assert json.loads(frames[0]["payload"])["role"] == "assistant"

    from modelkit.testing._bodies import body_pieces

    assert b"".join(body_pieces(written)) == _eventstream()


def test_sse_stream_is_written_one_event_a_piece(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_server import fixture

    path = tmp_path / "anthropic.json"
    model = CASES["anthropic"](server.url, monkeypatch)
    with cassette(path, mode="record"), model.stream("Say hello") as stream:
        list(stream)
    pieces = json.loads(path.read_text())["interactions"][0]["response"]["body"]["sse"]
    assert pieces[0] == ": echo [redacted]\n\n"
    assert pieces[1].startswith("event: message_start\n")
    assert all(piece.endswith("\n\n") for piece in pieces)
    assert "".join(pieces[1:]).encode() == fixture("anthropic", "stream_text.sse")


def test_a_bedrock_request_signed_by_other_credentials_replays(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SigV4 signs each request anew (date, key id, signature): none of it is matched."""
    path = tmp_path / "sigv4.json"
    with cassette(path, mode="record"):
        live = CASES["bedrock"](server.url, monkeypatch).generate("Say hello")
    server.stop()
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDANOTHERONE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "another/secret/key/entirely0000000000000")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    import modelkit

    other = modelkit.get_model(
        "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0",
        base_url=server.url,
        region="us-east-1",
        memoize=False,
    )
    with cassette(path, mode="replay"):
        assert comparable(other.generate("Say hello")) == comparable(live)
