"""``modelkit generate`` on a terminal prints the answer as it arrives (a real pty).

The command runs in a subprocess whose stdout is a pseudo-terminal, against
the loopback server answering OpenAI chat SSE: the server holds the end of
the answer back until the test has seen the first words on the terminal, so
streaming is proven without timing anything. ``--no-stream`` (and a pipe)
wait for the whole answer, sent without ``"stream": true``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from loopback import LoopbackServer, Reply
from process import modelkit_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")

WORDS = ["Streaming ", "works ", "fine."]


def sse(words: List[str]) -> bytes:
    chunks = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": w}}]} for w in words
    ]
    chunks.append(
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    )
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()


def read_until(fd: int, needle: bytes, seen: bytearray) -> None:
    while needle not in seen:
        try:
            data = os.read(fd, 1024)
        except OSError:  # the pty closed: the process ended
            return
        if not data:
            return
        seen.extend(data)


def run_on_pty(
    tmp_path: Path, server: LoopbackServer, *extra: str
) -> Tuple[subprocess.Popen[bytes], int]:
    master, slave = os.openpty()
    env = modelkit_env(tmp_path, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url)
    process = subprocess.Popen(
        [sys.executable, "-m", "modelkit", "generate", "-m", "openai/m", *extra, "hi"],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=env,
    )
    os.close(slave)
    return process, master


def test_tokens_are_printed_as_they_arrive(loopback: LoopbackServer, tmp_path: Path) -> None:
    body = sse(WORDS)
    head = body[: body.index(b"\n\n") + 2]  # the first event only
    # The server sends the first event, then holds the rest back for 30 s
    # (it gives up at once when the test ends and the server stops).
    loopback.default = Reply(
        body=body, headers={"Content-Type": "text/event-stream"}, trickle=(len(head), 30)
    )
    process, master = run_on_pty(tmp_path, loopback)
    seen = bytearray()
    try:
        read_until(master, b"Streaming", seen)
        assert b"Streaming" in seen
        assert process.poll() is None  # the answer is not complete yet, and it is on screen
        assert json.loads(loopback.requests[0].body)["stream"] is True
    finally:
        process.kill()
        process.wait(10)
        os.close(master)


def test_no_stream_waits_for_the_whole_answer(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.default = Reply()  # a plain chat completion
    process, master = run_on_pty(tmp_path, loopback, "--no-stream")
    seen = bytearray()
    try:
        read_until(master, b"loopback", seen)
        assert process.wait(30) == 0
    finally:
        os.close(master)
    assert b"Hello from loopback" in seen
    assert "stream" not in json.loads(loopback.requests[0].body)
