"""Response bodies are capped: too big, endless or a gzip bomb, the call fails fast and small.

The cap (64 MiB by default, ``$MODELKIT_MAX_RESPONSE_BYTES`` or
``HttpClient.max_response_bytes`` to change it) bounds the decoded body: a
``Content-Length`` over it is refused before reading, an endless chunked
body is cut at it, and a gzip body that inflates past it (RFC 1952
members, concatenated) is cut while inflating, in a subprocess whose
address space is limited so that inflating it whole would fail.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from loopback import LoopbackServer, Reply, chat_completion, serve_endless

import modelkit
from modelkit._engine.http import HttpClient
from modelkit.errors import ResponseFormatError

HEADERS = {"Content-Type": "application/json"}


def test_a_declared_length_over_the_cap_is_refused_and_not_retried(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_MAX_RESPONSE_BYTES", "2000")
    loopback.default = Reply(body=chat_completion("x" * 5000))
    model = modelkit.get_model("openai/gpt-4o", base_url=loopback.url, api_key="sk-cap")
    with pytest.raises(ResponseFormatError, match="larger than the 2000 bytes"):
        model.generate("hi")
    assert loopback.count == 1
    loopback.default = Reply(body=chat_completion("small"))
    assert model.generate("hi").completion == "small", "the client works after a refusal"


@pytest.fixture
def endless() -> Iterator[str]:
    """A server whose chunked body never ends."""
    yield from serve_endless(b"HTTP/1.1 200 OK\r\n", b"a" * 65536)


def test_an_endless_body_is_cut_at_the_cap(endless: str) -> None:
    client = HttpClient("p", "m")
    client.max_response_bytes = 4 * 1024 * 1024
    start = time.monotonic()
    with pytest.raises(ResponseFormatError, match="larger than the 4194304 bytes"):
        client.post(endless, b"{}", HEADERS, timeout=30)
    assert time.monotonic() - start < 10, "cut at the cap, long before the timeout"


def test_gzip_and_deflate_bodies_under_the_cap_are_inflated(loopback: LoopbackServer) -> None:
    import zlib

    body = b'{"ok": true, "pad": "' + b"z" * 10000 + b'"}'
    client = HttpClient("p", "m")
    for encoding, data in (
        ("gzip", gzip.compress(body)),
        ("gzip", gzip.compress(body[:5000]) + gzip.compress(body[5000:])),  # two members
        ("deflate", zlib.compress(body)),
        ("deflate", zlib.compress(body)[2:-4]),  # raw deflate, as some servers send it
    ):
        loopback.script(Reply(body=data, headers={"Content-Encoding": encoding}))
        assert client.post(loopback.url, b"{}", HEADERS, timeout=5).json()["ok"] is True


BOMB = r"""
import gzip, resource, sys, threading
sys.path.insert(0, sys.argv[1])
from loopback import LoopbackServer, Reply
from modelkit._engine.http import HttpClient
from modelkit.errors import ResponseFormatError

threading.stack_size(512 * 1024)
member = gzip.compress(b"\0" * (16 << 20), compresslevel=9)   # 16 MiB in ~16 KB
bomb = member * 128                                           # 2 GiB in ~2 MB
with LoopbackServer(default=Reply(body=bomb, headers={"Content-Encoding": "gzip"})) as server:
    used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: 2 GiB cannot fit
    try:
        HttpClient("p", "m").post(server.url, b"{}", {}, timeout=30)
        print("read it all")
    except ResponseFormatError as error:
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - used
        print("capped", len(bomb), grown)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and ru_maxrss in KiB: Linux")
def test_a_gzip_bomb_is_cut_while_inflating() -> None:
    tests = str(Path(__file__).resolve().parents[1])
    result = subprocess.run(
        [sys.executable, "-c", BOMB, tests], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-1500:]
    outcome, size, grown = result.stdout.split()
    assert outcome == "capped"
    assert int(size) < 3 << 20, "the bomb is small on the wire"
    assert int(grown) < 256 << 20, "memory grew by about the cap, not the bomb"
