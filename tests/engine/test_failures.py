"""Connection failures read as one line: what failed, which ``host:port``, what to check.

Every case is a real socket on 127.0.0.1 (a closed port, a server that
resets or closes before answering, one that resets or stops mid-body, plain
HTTP spoken to as HTTPS, a server too slow), through both ``generate`` and
``stream``; only name resolution is faked, at the OS boundary
(``socket.getaddrinfo``), since tests never reach a DNS server. No message
may show urllib3's internals (``_Pool(host=...)``, "Max retries exceeded",
``NewConnectionError(<urllib3...>)``).
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Any, Callable, Iterator

import pytest
from loopback import LoopbackServer, Reply, chat_completion

from modelkit import get_model
from modelkit.errors import APIConnectionError, APIError, APITimeoutError

INTERNALS = ("_Pool", "Pool(", "Max retries", "NewConnectionError", "urllib3", "Caused by", "_Conn")
SERVER_HINT = "(is the server running, and is the base URL right?)"


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()  # nothing listens there any more: connecting is refused
    return port


class _RawServer:
    """Accepts, reads the request, then resets (RST) or closes (FIN) without answering."""

    def __init__(self, reset: bool) -> None:
        self.reset = reset
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port: int = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self._read_request(conn)
            if self.reset:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    @staticmethod
    def _read_request(conn: socket.socket) -> None:
        """The whole request, body included: a close with unread bytes is sent as a
        reset by the kernel, so reading only the headers made a FIN a race."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(params=["generate", "stream"])
def call(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """Run one request to ``base_url`` the way the parameter says, without retries."""

    def run(base_url: str, timeout: float = 10) -> Any:
        model = get_model(
            "openai/gpt-4o",
            base_url=base_url,
            api_key="sk-test",
            config={"max_retries": 0, "timeout": timeout},
        )
        if request.param == "generate":
            return model.generate("hi")
        with model.stream("hi") as stream:
            for _ in stream:
                pass
        return stream.output

    return run


@pytest.fixture
def raw_reset() -> Iterator[_RawServer]:
    server = _RawServer(reset=True)
    yield server
    server.close()


@pytest.fixture
def raw_close() -> Iterator[_RawServer]:
    server = _RawServer(reset=False)
    yield server
    server.close()


def _said(error: APIError) -> str:
    text = str(error)
    assert "\n" not in text
    for internal in INTERNALS:
        assert internal not in text, f"{internal!r} leaked into {text!r}"
    return text


def test_a_closed_port_is_refused_naming_host_and_port(call: Callable[[str], Any]) -> None:
    port = _closed_port()
    with pytest.raises(APIConnectionError) as caught:
        call(f"http://127.0.0.1:{port}/v1")
    assert _said(caught.value) == (
        f"openai/gpt-4o: no response: cannot connect to 127.0.0.1:{port}: connection refused "
        f"{SERVER_HINT}"
    )


def test_a_reset_before_the_answer(call: Callable[[str], Any], raw_reset: _RawServer) -> None:
    with pytest.raises(APIConnectionError) as caught:
        call(f"http://127.0.0.1:{raw_reset.port}/v1")
    text = _said(caught.value)
    assert text.startswith("openai/gpt-4o: no response: ")
    assert f"127.0.0.1:{raw_reset.port}" in text and text.endswith(SERVER_HINT)
    # the kernel may report the RST as a reset or, once the request is out, as a close
    assert "was reset before the server answered" in text or "closed the connection" in text


def test_a_close_without_an_answer(call: Callable[[str], Any], raw_close: _RawServer) -> None:
    with pytest.raises(APIConnectionError) as caught:
        call(f"http://127.0.0.1:{raw_close.port}/v1")
    assert _said(caught.value) == (
        f"openai/gpt-4o: no response: 127.0.0.1:{raw_close.port} closed the connection "
        f"without answering {SERVER_HINT}"
    )


def test_a_reset_and_a_cut_mid_body(loopback: LoopbackServer) -> None:
    host = loopback.url.split("//", 1)[1]
    model = get_model(
        "openai/gpt-4o", base_url=f"{loopback.url}/v1", api_key="sk-test", config={"max_retries": 0}
    )
    loopback.script(Reply(200, chat_completion(), reset_after=10))
    with pytest.raises(APIConnectionError) as caught:
        model.generate("hi")
    assert _said(caught.value).endswith(f"connection to {host} was reset while the response was read")
    loopback.script(Reply(200, chat_completion(), truncate_at=10))
    with pytest.raises(APIConnectionError) as caught:
        model.generate("hi")
    assert f"the response from {host} ended early (10 bytes read, " in _said(caught.value)


def test_https_spoken_to_a_plain_http_server(
    call: Callable[[str], Any], loopback: LoopbackServer
) -> None:
    host = loopback.url.split("//", 1)[1]
    with pytest.raises(APIConnectionError) as caught:
        call(f"https://{host}/v1")
    text = _said(caught.value)
    assert text.startswith(f"openai/gpt-4o: no response: TLS handshake with {host} failed: ")
    assert text.endswith("for a plain HTTP server use an http:// base URL")


def test_a_read_timeout_names_the_host(loopback: LoopbackServer) -> None:
    host = loopback.url.split("//", 1)[1]
    loopback.default = Reply(200, chat_completion(), delay=5)
    model = get_model(
        "openai/gpt-4o",
        base_url=f"{loopback.url}/v1",
        api_key="sk-test",
        config={"max_retries": 0, "timeout": 0.3},
    )
    with pytest.raises(APITimeoutError) as caught:
        model.generate("hi")
    assert f"no complete response from {host} within 0.3s" in _said(caught.value)


def test_a_name_that_does_not_resolve(
    call: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    with pytest.raises(APIConnectionError) as caught:
        call("http://api.nowhere.invalid:8080/v1")
    assert _said(caught.value) == (
        "openai/gpt-4o: no response: cannot resolve host api.nowhere.invalid "
        "(api.nowhere.invalid:8080): Name or service not known "
        "(is the host name in the base URL right? is DNS reachable?)"
    )


def test_the_cli_prints_the_same_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from modelkit.cli import main

    port = _closed_port()
    argv = ["generate", "-m", "openai/gpt-4o", "--base-url", f"http://127.0.0.1:{port}/v1"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "sk-test")
        assert main([*argv, "--max-retries", "0", "hi"]) == 1
    assert capsys.readouterr().err == (
        f"modelkit: error: openai/gpt-4o: no response: cannot connect to 127.0.0.1:{port}: "
        f"connection refused {SERVER_HINT}\n"
    )


def test_a_failures_chain_pickles_without_the_pool_or_the_request() -> None:
    """urllib3's timeout and retry errors keep the connection pool (``.pool``),
    which is a class of modelkit's own adapter and cannot be pickled: a
    Dask worker shipping the error (tblib keeps cause and context) failed,
    depending on whether the socket's read timeout or the call's deadline
    fired first. After mapping, nothing in the chain holds the pool, the
    connection or the request, and the whole chain pickles."""
    import pickle

    import requests
    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError

    from modelkit._engine.failures import drop_request, map_failure

    class _LocalPool(HTTPConnectionPool):  # local, like the adapter's: not picklable
        pass

    pool = _LocalPool("127.0.0.1", 9)
    request = requests.Request("POST", "http://127.0.0.1:9/v1", headers={"Authorization": "k"})
    inner = ReadTimeoutError(pool, "/v1", "Read timed out. (read timeout=0.3)")
    retried = MaxRetryError(pool, "/v1", inner)
    outer = requests.exceptions.ReadTimeout(retried, request=request.prepare())
    outer.__context__ = inner
    mapped = map_failure(outer, False, 0.3, "vllm", "served", "http://127.0.0.1:9/v1")
    assert mapped is not None and "127.0.0.1:9" in str(mapped)
    drop_request(outer)
    for link in (outer, retried, inner):
        assert getattr(link, "pool", None) is None
        pickle.dumps(vars(link))
    assert outer.request is None
    pickle.loads(pickle.dumps(outer))
