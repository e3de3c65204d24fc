"""The pieces of the cassette format on their own: bodies, URLs, headers, frames.

Multipart bodies are built by ``modelkit.batch._client.multipart`` (the
``multipart/form-data`` of RFC 7578, as OpenAI's Files API takes it); AWS
event-stream frames as the framing reference describes them
(https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream).
"""

from __future__ import annotations

import base64
import json
import pickle
import struct
import zlib

from modelkit._redact import Scrubber
from modelkit.batch._client import multipart
from modelkit.errors import CassetteMismatchError
from modelkit.testing._bodies import body_pieces, request_body, response_body
from modelkit.testing._match import (
    aws_secrets,
    match_key,
    public_url,
    request_headers,
    url_secrets,
)


def _joined(body: object) -> bytes:
    return b"".join(body)  # type: ignore[arg-type]


def test_a_multipart_body_is_written_by_its_parts_not_its_boundary() -> None:
    items = [b'{"custom_id": "0"}', b'{"custom_id": "1"}']
    first, first_type = multipart({"purpose": "batch"}, "batch.jsonl", items)
    second, second_type = multipart({"purpose": "batch"}, "batch.jsonl", items)
    assert first_type != second_type  # a random boundary each time
    one = request_body(_joined(first), first_type)
    two = request_body(_joined(second), second_type)
    assert one == two == {
        "multipart": [
            {"name": "purpose", "text": "batch"},
            {
                "name": "file",
                "filename": "batch.jsonl",
                "content_type": "application/jsonl",
                "jsonl": [{"custom_id": "0"}, {"custom_id": "1"}],
            },
        ]
    }


def test_json_request_bodies_match_whatever_their_key_order() -> None:
    a = {"method": "POST", "url": "http://h/v1/x", "body": request_body(b'{"a": 1, "b": [2]}', "")}
    b = {"method": "post", "url": "https://other:8/v1/x", "body": request_body(b'{"b":[2],"a":1}', "")}
    assert match_key(a) == match_key(b)
    c = {**a, "body": request_body(b'{"a": 1, "b": [3]}', "")}
    assert match_key(a) != match_key(c)


def test_long_base64_in_a_request_is_written_as_a_digest() -> None:
    image = base64.b64encode(bytes(range(256)) * 20).decode()
    body = json.dumps({"image": f"data:image/png;base64,{image}", "short": "aGk="}).encode()
    written = request_body(body, "application/json")
    assert written is not None
    note = written["json"]["image"]
    assert note.startswith("[sha256:") and note.endswith(f"of {len(image) + 22} base64 characters]")
    assert written["json"]["short"] == "aGk="
    other = json.dumps({"image": f"data:image/png;base64,{image[:-4]}AAAA", "short": "aGk="})
    assert request_body(other.encode(), "")["json"]["image"] != note  # type: ignore[index]


def test_credentials_leave_the_url_and_do_not_take_part_in_matching() -> None:
    url = "https://user:pw@host/v1beta/models/m:generateContent?alt=sse&key=AIzaSecret"
    assert public_url(url) == "https://host/v1beta/models/m:generateContent?alt=sse"
    assert url_secrets(url) == ["AIzaSecret"]
    plain = {"method": "POST", "url": public_url(url)}
    assert match_key(plain) == match_key({"method": "POST", "url": url})


def test_credential_headers_are_never_kept() -> None:
    sent = {
        "Authorization": "Bearer sk-1",
        "x-api-key": "k",
        "X-Goog-Api-Key": "g",
        "api-key": "a",
        "X-Amz-Security-Token": "t",
        "X-Amz-Date": "20261207T120000Z",
        "X-Amz-Content-Sha256": "abc",
        "X-Custom-Token": "tok",
        "User-Agent": "python-requests/2.32",
        "Accept": "*/*",
        "anthropic-version": "2023-06-01",
        "Content-Type": "application/json",
    }
    kept = request_headers(sent, Scrubber(["sk-1"]))
    assert kept == {"anthropic-version": "2023-06-01", "content-type": "application/json"}


def test_the_sigv4_key_id_and_signature_are_secrets() -> None:
    header = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE123/20261207/us-east-1/bedrock/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123"
    )
    assert aws_secrets({"Authorization": header}) == ["AKIDEXAMPLE123", "0123456789abcdef0123"]


def test_a_json_answer_that_would_not_round_trip_is_kept_as_text() -> None:
    assert response_body(b'{"a": 1, "a": 2}', "application/json") == {"text": '{"a": 1, "a": 2}'}
    assert response_body(b'{"x": NaN}', "application/json") == {"text": '{"x": NaN}'}
    assert response_body(b'{"x": 1.5}', "application/json") == {"json": {"x": 1.5}}
    assert response_body(b"\xff\xfe", "application/octet-stream") == {"base64": "//4="}


def test_an_sse_body_is_split_after_each_event_and_joins_back_exactly() -> None:
    body = b"event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\ndata: tail"
    written = response_body(body, "text/event-stream; charset=utf-8")
    assert written == {"sse": ["event: a\ndata: 1\n\n", "event: b\r\ndata: 2\r\n\r\n", "data: tail"]}
    assert b"".join(body_pieces(written)) == body


def _frame(headers: bytes, payload: bytes) -> bytes:
    prelude = struct.pack(">II", 16 + len(headers) + len(payload), len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def test_event_stream_frames_are_readable_only_when_they_re_encode_exactly() -> None:
    text = _frame(b"\x0b:event-type\x07\x00\x04done", b'{"ok": true}')
    boolean = _frame(b"\x04flag\x00", b"{}")  # a boolean header: kept as bytes
    partial = _frame(b"", b"x")[:-3]
    written = response_body(text + boolean + partial, "application/vnd.amazon.eventstream")
    frames = written["eventstream"]
    assert frames[0] == {"headers": {":event-type": "done"}, "payload": '{"ok": true}'}
    assert set(frames[1]) == {"base64"} and set(frames[2]) == {"base64"}
    assert b"".join(body_pieces(written)) == text + boolean + partial


def test_the_mismatch_error_pickles() -> None:
    error = CassetteMismatchError("no answer\n--- diff", cassette="c.json")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == "no answer\n--- diff" and again.cassette == "c.json"


def test_a_json_lines_file_is_written_one_object_a_line() -> None:
    text = b'{"custom_id": "0", "response": {"status_code": 200}}\n{"custom_id":"1"}\n'
    written = response_body(text, "application/octet-stream")
    assert written == {"jsonl": [{"custom_id": "0", "response": {"status_code": 200}}, {"custom_id": "1"}]}
    replayed = b"".join(body_pieces(written)).decode()
    assert [json.loads(line) for line in replayed.splitlines()] == written["jsonl"]
    assert response_body(b'{"a": 1}\nnot json\n', "") == {"text": '{"a": 1}\nnot json\n'}
    assert response_body(b'{"a": 1}\n{"a": 2}', "") == {"text": '{"a": 1}\n{"a": 2}'}
