"""The loopback test server itself: scripting, faults and its counters."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
import requests
from loopback import CHAT_COMPLETION, LoopbackServer, Reply


def test_default_reply_is_a_chat_completion(loopback: LoopbackServer) -> None:
    response = requests.post(f"{loopback.url}/v1/chat/completions", json={"a": 1}, timeout=5)
    assert response.status_code == 200
    assert response.json() == CHAT_COMPLETION
    assert loopback.count == 1
    assert loopback.requests[0].path == "/v1/chat/completions"
    assert loopback.requests[0].json() == {"a": 1}
    assert loopback.requests[0].headers["content-type"] == "application/json"


def test_script_is_used_in_order_then_default(loopback: LoopbackServer) -> None:
    loopback.script(
        Reply(status=429, headers={"Retry-After": "2"}, body={"error": {"message": "slow"}}),
        Reply(status=503, body="unavailable", headers={"Content-Type": "text/plain"}),
    )
    with requests.Session() as session:
        first = session.post(loopback.url, data=b"{}", timeout=5)
        second = session.post(loopback.url, data=b"{}", timeout=5)
        third = session.post(loopback.url, data=b"{}", timeout=5)
    assert (first.status_code, first.headers["retry-after"]) == (429, "2")
    assert (second.status_code, second.text) == (503, "unavailable")
    assert third.status_code == 200


def test_reset_mid_body(loopback: LoopbackServer) -> None:
    loopback.script(Reply(reset_after=10))
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="reset"):
        requests.post(loopback.url, data=b"{}", timeout=5)


def test_truncated_body(loopback: LoopbackServer) -> None:
    loopback.script(Reply(truncate_at=10))
    # http.client, not requests: urllib3 1.26 would hand back the short body silently.
    host, port = loopback.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("POST", "/", body=b"{}")
        response = connection.getresponse()
        with pytest.raises(http.client.IncompleteRead) as raised:
            response.read()
        assert len(raised.value.partial) == 10
    finally:
        connection.close()


def test_trickle_and_invalid_json(loopback: LoopbackServer) -> None:
    loopback.script(Reply(body="{not json", trickle=(3, 0.001)))
    response = requests.post(loopback.url, data=b"{}", timeout=5)
    assert response.text == "{not json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_counts_requests_in_flight(loopback: LoopbackServer) -> None:
    loopback.default = Reply(delay=0.2)
    threads = [
        threading.Thread(target=requests.post, args=(loopback.url,), kwargs={"timeout": 5})
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loopback.max_in_flight == 4
    assert loopback.in_flight == 0
    loopback.reset_counts()
    assert (loopback.count, loopback.max_in_flight) == (0, 0)


def test_callable_default_sees_the_request(loopback: LoopbackServer) -> None:
    loopback.default = lambda received: Reply(body={"echo": received.json()})
    assert requests.post(loopback.url, json=[1, 2], timeout=5).json() == {"echo": [1, 2]}
