"""``HttpClient`` against the loopback server: a hard deadline, error mapping, no hidden retries.

Also the watchdog that enforces deadlines (``modelkit._engine.deadline``).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import List

import pytest
from loopback import LoopbackServer, Reply

from modelkit._engine.deadline import Watchdog
from modelkit._engine.http import HttpClient
from modelkit.errors import APIConnectionError, APITimeoutError

HEADERS = {"Content-Type": "application/json"}
SLACK = 0.5


@pytest.fixture
def client() -> HttpClient:
    return HttpClient("prov", "mod")


def test_post_reads_status_headers_and_body(loopback: LoopbackServer, client: HttpClient) -> None:
    loopback.script(Reply(201, {"ok": True}, headers={"X-Request-Id": "abc"}))
    response = client.post(f"{loopback.url}/v1/x", b'{"q": 1}', HEADERS, timeout=5)
    assert (response.status, response.json()) == (201, {"ok": True})
    assert response.headers["x-request-id"] == "abc"
    assert response.elapsed > 0
    assert loopback.requests[0].body == b'{"q": 1}'


@pytest.mark.parametrize(
    "reply",
    [Reply(delay=10), Reply(trickle=(1, 0.05))],
    ids=["silent", "trickle"],
)
def test_deadline_cuts_off_a_slow_response(
    loopback: LoopbackServer, client: HttpClient, reply: Reply
) -> None:
    loopback.script(reply)
    start = time.monotonic()
    with pytest.raises(
        APITimeoutError,
        match=r"prov/mod: no response: no complete response from 127.0.0.1:\d+ within 0.4s",
    ):
        client.post(loopback.url, b"{}", HEADERS, timeout=0.4)
    assert 0.4 <= time.monotonic() - start < 0.4 + SLACK


def test_the_client_works_after_a_cut(loopback: LoopbackServer, client: HttpClient) -> None:
    loopback.script(Reply(trickle=(1, 0.05)))
    with pytest.raises(APITimeoutError):
        client.post(loopback.url, b"{}", HEADERS, timeout=0.2)
    for _ in range(3):
        assert client.post(loopback.url, b"{}", HEADERS, timeout=5).status == 200


def test_a_fast_response_is_not_cut_later(loopback: LoopbackServer, client: HttpClient) -> None:
    assert client.post(loopback.url, b"{}", HEADERS, timeout=0.2).status == 200
    time.sleep(0.3)  # the alarm was cancelled: the pooled connection is still good
    assert client.post(loopback.url, b"{}", HEADERS, timeout=5).status == 200
    assert loopback.count == 2


@pytest.mark.parametrize(
    ("reply", "match"),
    [(Reply(reset_after=10), "was reset while"), (Reply(truncate_at=10), "ended early")],
)
def test_broken_responses_are_connection_errors_made_once(
    loopback: LoopbackServer, client: HttpClient, reply: Reply, match: str
) -> None:
    loopback.script(reply)
    with pytest.raises(APIConnectionError, match=match) as caught:
        client.post(loopback.url, b"{}", HEADERS, timeout=5)
    host = loopback.url.split("//", 1)[1]
    assert f"from {host} ended early" in str(caught.value) or (
        f"connection to {host} was reset" in str(caught.value)
    )
    assert loopback.count == 1  # no retries underneath the engine's


def test_connection_refused(client: HttpClient) -> None:
    with LoopbackServer() as server:
        url = server.url
    with pytest.raises(
        APIConnectionError, match=f"cannot connect to {url[7:]}: connection refused"
    ):
        client.post(url, b"{}", HEADERS, timeout=5)


def test_sessions_are_pooled_and_close(loopback: LoopbackServer, client: HttpClient) -> None:
    barrier = threading.Barrier(3)
    loopback.default = Reply(delay=0.05)

    def post() -> None:
        barrier.wait()
        client.post(loopback.url, b"{}", HEADERS, timeout=5)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(client._idle) <= 3  # at most one per request in flight
    sessions = len(client._idle)
    for _ in range(5):
        client.post(loopback.url, b"{}", HEADERS, timeout=5)
    assert len(client._idle) == sessions, "sequential requests reuse an idle session"
    client.close()
    assert client._idle == []
    client.post(loopback.url, b"{}", HEADERS, timeout=5)
    assert len(client._idle) == 1


def test_a_request_goes_straight_to_the_pool(loopback: LoopbackServer) -> None:
    """Unmocked, a channel hands the request to urllib3's pool itself (no
    ``HTTPAdapter.send``, no ``PreparedRequest`` or ``Response``), with the
    headers ``requests`` would add; the URL's userinfo becomes Basic auth."""
    from modelkit._engine.channel import Answer, Channel

    loopback.script(Reply(200, {"ok": True}))
    channel = Channel(1)
    sent: List[object] = []
    channel.adapter.send = lambda *a, **k: sent.append(a)  # would record any use of send()
    host = loopback.url[len("http://") :]
    answer = channel.send(
        "POST", f"http://u:pw@{host}/v1/x?q=1", b'{"a": 1}', HEADERS, (5, 5), True, {}
    )
    assert isinstance(answer, Answer) and answer.status_code == 200 and not sent
    assert answer.raw.read() == b'{"ok": true}' and answer.url == f"{loopback.url}/v1/x?q=1"
    answer.raw.release_conn()
    request = loopback.requests[0]
    assert request.path == "/v1/x?q=1" and request.body == b'{"a": 1}'
    headers = request.headers
    assert headers["authorization"] == "Basic dTpwdw==" and headers["content-length"] == "8"
    assert headers["accept-encoding"] == "gzip, deflate" and headers["accept"] == "*/*"
    assert headers["user-agent"].startswith("python-requests/")
    channel.close()


def test_head_and_a_small_body_go_in_one_write(
    loopback: LoopbackServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bytes body up to ``_MERGE_MAX`` leaves in the same write as the request
    head (``http.client`` makes two); a larger one, or a streamed body, in
    writes of its own. The server receives the same request either way."""
    import http.client

    from modelkit._engine import channel

    writes: List[bytes] = []
    real_send = http.client.HTTPConnection.send

    def send(self: http.client.HTTPConnection, data: bytes) -> None:
        writes.append(bytes(data))
        real_send(self, data)

    monkeypatch.setattr(http.client.HTTPConnection, "send", send)
    small = b'{"q": "' + b"x" * 1000 + b'"}'
    client.post(f"{loopback.url}/v1/x", small, HEADERS, timeout=5)
    assert len(writes) == 1 and writes[0].startswith(b"POST /v1/x HTTP/1.1\r\n")
    assert writes[0].endswith(b"\r\n\r\n" + small)
    assert loopback.requests[-1].body == small

    large = b"y" * (channel._MERGE_MAX + 1)
    for body, sent in ((large, large), (_Pieces([b"ab", b"cd"]), b"abcd")):
        writes.clear()
        client.post(f"{loopback.url}/v1/x", body, HEADERS, timeout=5)
        assert len(writes) >= 2 and writes[0].endswith(b"\r\n\r\n")
        assert b"".join(writes[1:]) == sent
    assert loopback.requests[-2].body == large
    assert loopback.requests[-1].body == b"abcd"


class _Pieces:
    """A streamed body: ``len`` and bytes pieces (as ``HttpClient.request`` takes)."""

    def __init__(self, pieces: List[bytes]) -> None:
        self.pieces = pieces

    def __len__(self) -> int:
        return sum(map(len, self.pieces))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.pieces)


def test_a_mocked_adapter_send_still_answers(client: HttpClient) -> None:
    """While ``HTTPAdapter.send`` is replaced (the ``responses`` library), requests
    go through it: tests mocking HTTP that way keep working."""
    import responses

    with responses.RequestsMock() as mock:
        mock.add(responses.POST, "http://mocked.invalid/v1/x", json={"ok": 1}, status=200)
        response = client.post("http://mocked.invalid/v1/x", b"{}", HEADERS, timeout=5)
        assert response.json() == {"ok": 1}
        assert mock.calls[0].request.headers["Content-Length"] == "2"


def test_urllib3_failures_come_as_requests_exceptions(loopback: LoopbackServer) -> None:
    """The channel raises what ``HTTPAdapter.send`` would: a refused connection is
    ``requests.ConnectionError``, a read timeout ``requests.ReadTimeout``."""
    import requests

    from modelkit._engine.channel import Channel

    with LoopbackServer() as gone:
        url = gone.url
    with pytest.raises(requests.exceptions.ConnectionError, match="Connection refused"):
        Channel(1).send("POST", url, b"{}", HEADERS, (5, 5), True, {})
    loopback.script(Reply(delay=2))
    with pytest.raises(requests.exceptions.ReadTimeout):
        Channel(1).send("POST", loopback.url, b"{}", HEADERS, (5, 0.2), True, {})


# --- the watchdog ----------------------------------------------------------------


def test_alarms_fire_in_order_unless_cancelled() -> None:
    watchdog = Watchdog()
    fired: List[str] = []
    done = threading.Event()
    late = watchdog.schedule(0.15, lambda: (fired.append("late"), done.set()))
    watchdog.schedule(0.05, lambda: fired.append("early"))
    cancelled = watchdog.schedule(0.1, lambda: fired.append("cancelled"))
    assert cancelled.cancel() is True
    assert done.wait(2)
    assert fired == ["early", "late"]
    assert late.fired and not cancelled.fired
    assert late.cancel() is False


def test_many_cancelled_alarms_are_dropped() -> None:
    watchdog = Watchdog()
    alarms = [watchdog.schedule(600, lambda: None) for _ in range(1000)]
    for alarm in alarms:
        alarm.cancel()
    assert len(watchdog._heap) < 1000


def test_a_failing_action_does_not_stop_the_watchdog() -> None:
    watchdog = Watchdog()
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("boom")

    watchdog.schedule(0.01, boom)
    watchdog.schedule(0.05, done.set)
    assert done.wait(2)


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), 1e308, -1e308, float("-inf")])
def test_no_delay_kills_the_watchdog(bad: float) -> None:
    watchdog = Watchdog()
    watchdog.schedule(bad, lambda: None)
    time.sleep(0.02)  # the thread meets the bad alarm
    done = threading.Event()
    watchdog.schedule(0.01, done.set)
    assert done.wait(2), "a later alarm must still fire"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_watchdog_whose_thread_ended_starts_another_for_the_next_alarm() -> None:
    """``schedule`` asks no thread whether it is alive: an ending thread says so itself."""
    watchdog = Watchdog()
    first = threading.Event()
    watchdog.schedule(0.01, first.set)
    assert first.wait(2)
    thread = watchdog._thread
    assert thread is not None

    def stop() -> None:  # what the loop's Exception handlers do not catch: the thread ends
        raise SystemExit

    watchdog.schedule(0.01, stop)
    thread.join(2)
    assert not thread.is_alive() and watchdog._thread is None
    again = threading.Event()
    watchdog.schedule(0.01, again.set)
    assert again.wait(2), "the next alarm must start a new thread"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_alarms_fire_in_a_forked_child_on_every_watchdog() -> None:
    """A child has none of its parent's threads: each watchdog starts its own there."""
    watchdog = Watchdog()  # not the shared one
    started = threading.Event()
    watchdog.schedule(0.01, started.set)
    assert started.wait(2)
    pid = os.fork()
    if pid == 0:
        fired = threading.Event()
        watchdog.schedule(0.01, fired.set)
        os._exit(0 if fired.wait(2) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "no alarm fired in the child"


def test_an_infinite_timeout_is_served_and_later_deadlines_still_hold(
    loopback: LoopbackServer, client: HttpClient
) -> None:
    for bad in (float("inf"), float("nan"), 1e308):
        assert client.post(loopback.url, b"{}", HEADERS, timeout=bad).status == 200
    loopback.script(Reply(trickle=(1, 0.05)))
    start = time.monotonic()
    with pytest.raises(APITimeoutError):
        client.post(loopback.url, b"{}", HEADERS, timeout=0.3)
    assert time.monotonic() - start < 0.3 + SLACK


# --- the environment, read once per session -------------------------------------


def test_proxies_from_the_environment_are_used(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        HttpClient("p", "m").post(f"{loopback.url}/v1/x", b"{}", HEADERS, timeout=5)
        assert (proxy.count, loopback.count) == (1, 0)
        assert proxy.requests[0].path == f"{loopback.url}/v1/x"  # absolute-form: a proxy request
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        HttpClient("p", "m").post(f"{loopback.url}/v1/x", b"{}", HEADERS, timeout=5)
        assert (proxy.count, loopback.count) == (1, 1)


def test_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/custom.pem")
    assert HttpClient("p", "m")._verify == "/etc/ssl/custom.pem"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert HttpClient("p", "m")._verify is True


def test_netrc_never_replaces_the_api_credentials(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    client = HttpClient("p", "m")
    client.post(loopback.url, b"{}", {**HEADERS, "Authorization": "Bearer sk-x"}, timeout=5)
    assert loopback.requests[0].headers["authorization"] == "Bearer sk-x"


def test_the_headers_requests_adds_are_worked_out_once_per_set_of_names() -> None:
    """``_with_defaults`` remembers what it adds by header names only: each body still
    gets its own length, a header the caller set wins, URL credentials are never kept."""
    from modelkit._engine import channel

    one = channel._with_defaults({"Content-Type": "application/json"}, {}, b"{}")
    two = channel._with_defaults({"Content-Type": "text/plain"}, {}, b"[1, 2]")
    assert list(one) == list(two) == [
        "Content-Type",
        "User-Agent",
        "Accept-Encoding",
        "Accept",
        "Connection",
        "Content-Length",
    ]
    assert (one["Content-Length"], two["Content-Length"]) == ("2", "6")
    assert two["Content-Type"] == "text/plain"
    mine = channel._with_defaults({"user-agent": "me/1", "content-length": "9"}, {}, b"{}")
    assert mine["user-agent"] == "me/1" and mine["content-length"] == "9"
    assert "User-Agent" not in mine and "Content-Length" not in mine
    assert channel._with_defaults({}, {}, None) == channel._with_defaults({}, {}, None)
    assert "Content-Length" not in channel._with_defaults({}, {}, None)
    basic = {"Authorization": "Basic dTpwdw=="}
    with_auth = channel._with_defaults({"Content-Type": "application/json"}, basic, b"{}")
    assert with_auth["Authorization"] == "Basic dTpwdw=="
    assert "dTpwdw" not in repr(channel._plans), "URL credentials stay out of the memo"
    own = channel._with_defaults({"Authorization": "Bearer sk-mine"}, basic, b"{}")
    assert own["Authorization"] == "Bearer sk-mine"


def test_response_headers_are_read_lower_cased_the_last_repeat_winning() -> None:
    from urllib3._collections import HTTPHeaderDict

    from modelkit._engine.http import _lowered

    raw = HTTPHeaderDict()
    raw.add("Content-Type", "application/json")
    raw.add("X-Request-ID", "req_1")
    raw.add("Set-Cookie", "a=1")
    raw.add("set-cookie", "b=2")
    expected = {name.lower(): value for name, value in raw.items()}
    assert _lowered(raw) == expected == {
        "content-type": "application/json",
        "x-request-id": "req_1",
        "set-cookie": "b=2",
    }
    assert _lowered({"X-Other": "1"}) == {"x-other": "1"}  # a cassette's plain mapping
