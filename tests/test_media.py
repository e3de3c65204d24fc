"""Tests for ``modelkit._media``: telling URLs, data URIs and files apart, and reading them.

Data URIs follow RFC 2397 (``data:[<mediatype>][;base64],<data>``); files
are made in ``tmp_path``; no test touches the network.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from modelkit import _media_guard
from modelkit._media import (
    MediaRef,
    check_media,
    data_uri,
    guess_mime,
    media_type_error,
    parse_media,
    read_media,
    set_media_policy,
)
from modelkit.errors import ConfigError

PNG = b"\x89PNG\r\n\x1a\n"
PNG_B64 = base64.b64encode(PNG).decode("ascii")


# --- parse_media --------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "https://example.com/cat.png",
        "http://127.0.0.1:8000/a.wav?x=1",
        "s3://bucket/key.jpg",
        "gs://bucket/clip.mp4",
    ],
)
def test_urls(source: str) -> None:
    ref = parse_media(source)
    assert ref == MediaRef(source)
    assert ref.is_url and not ref.is_file and not ref.is_data_uri


def test_base64_data_uri() -> None:
    ref = parse_media(f"data:Image/PNG;base64,{PNG_B64}")
    assert ref.is_data_uri and not ref.is_url and not ref.is_file
    assert ref.mime_type == "image/png"
    assert ref.payload == PNG_B64
    assert ref.is_base64


def test_data_uri_parameters_and_missing_type() -> None:
    ref = parse_media("data:text/plain;charset=utf-8;base64,aGk=")
    assert (ref.mime_type, ref.payload, ref.is_base64) == ("text/plain", "aGk=", True)
    plain = parse_media("data:,hello%20world")
    assert (plain.mime_type, plain.payload, plain.is_base64) == (None, "hello%20world", False)


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("/tmp/cat.png", "/tmp/cat.png"),
        ("relative/clip.wav", "relative/clip.wav"),
        ("file:///tmp/cat.png", "/tmp/cat.png"),
        ("C:\\images\\cat.png", "C:\\images\\cat.png"),
        ("data:no-comma", "data:no-comma"),  # not a well-formed data URI
    ],
)
def test_everything_else_is_a_file(source: str, path: str) -> None:
    ref = parse_media(source)
    assert ref.is_file and not ref.is_url and not ref.is_data_uri
    assert ref.path == path


# --- guess_mime ---------------------------------------------------------------


def test_guess_mime_from_the_extension() -> None:
    assert guess_mime("a/photo.JPG") == "image/jpeg"
    assert guess_mime("photo.jpeg") == "image/jpeg"
    assert guess_mime("dot.webp") == "image/webp"  # unknown to mimetypes before 3.11
    assert guess_mime("shot.heic") == "image/heic"
    assert guess_mime("clip.mp4") == "video/mp4"
    assert str(guess_mime("clip.wav")).startswith("audio/")
    assert guess_mime("blob") is None
    assert guess_mime("notes.unknown-ext") is None


# --- read_media ---------------------------------------------------------------


def test_read_a_file_by_path_or_file_url(tmp_path: Path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    assert read_media(str(image)) == ("image/png", PNG_B64)
    assert read_media(f"file://{image}", "image") == ("image/png", PNG_B64)
    assert read_media(parse_media(str(image))) == ("image/png", PNG_B64)


def test_a_file_of_unknown_type_has_no_mime(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(b"\x00\x01")
    assert read_media(str(blob)) == (None, "AAE=")


def test_base64_data_uris_are_returned_as_written() -> None:
    assert read_media(f"data:image/png;base64,{PNG_B64}") == ("image/png", PNG_B64)
    assert read_media("data:;base64,AAE=") == (None, "AAE=")


def test_percent_encoded_data_uris_are_an_error_unless_allowed() -> None:
    source = "data:image/png,%89PNG%0D%0A%1A%0A"
    with pytest.raises(ConfigError, match=r"^google: data URIs must be base64-encoded") as info:
        read_media(source, provider="google")
    assert "data:image/png,%89PNG" in str(info.value)
    assert read_media(source, percent_encoded=True) == ("image/png", PNG_B64)


def test_missing_and_unreadable_files_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    with pytest.raises(ConfigError, match=r"^mistral: cannot read image file ") as info:
        read_media(str(missing), "image", provider="mistral")
    assert repr(str(missing)) in str(info.value)
    assert "No such file" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    with pytest.raises(ConfigError, match=r"^media '.*' is not a regular file") as info:
        read_media(str(tmp_path))  # a directory
    assert repr(str(tmp_path)) in str(info.value)


def test_urls_cannot_be_read() -> None:
    with pytest.raises(ConfigError, match=r"^bedrock: cannot read audio from the URL 'https://"):
        read_media("https://example.com/a.wav", "audio", provider="bedrock")


# --- data_uri -----------------------------------------------------------------


def test_data_uri_of_a_file(tmp_path: Path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    assert data_uri(str(image), "image") == f"data:image/png;base64,{PNG_B64}"


def test_data_uris_pass_through_unchanged() -> None:
    for source in (f"data:image/png;base64,{PNG_B64}", "data:image/svg+xml,%3Csvg%3E"):
        assert data_uri(source) == source


def test_data_uri_of_an_untyped_file_needs_a_default(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(b"\x00\x01")
    assert data_uri(str(blob), default_mime="image/png") == "data:image/png;base64,AAE="
    with pytest.raises(ConfigError, match=r"^openai: cannot tell the audio type of '.*blob'"):
        data_uri(str(blob), "audio", provider="openai")
    with pytest.raises(ConfigError, match=r"^openai: file '.*blob' cannot be sent as image: its"):
        data_uri(str(blob), "image", provider="openai")
    blob.write_bytes(PNG)  # no name to go by: the bytes tell the type
    assert data_uri(str(blob), "image").startswith("data:image/png;base64,")
    with pytest.raises(ConfigError, match="cannot read image file"):
        data_uri(str(tmp_path / "missing.png"), "image", default_mime="image/png")


# --- media_type_error ----------------------------------------------------------


def test_media_type_errors() -> None:
    error = media_type_error("bedrock", "image", "image/bmp", "photo.bmp", "PNG or JPEG")
    assert isinstance(error, ConfigError)
    assert str(error) == (
        "bedrock: image type 'image/bmp' is not accepted (in 'photo.bmp'); use PNG or JPEG"
    )
    unknown = str(media_type_error("google", "media", None, "/data/blob"))
    assert unknown.startswith("google: cannot tell the media type of '/data/blob' from its name")
    assert str(media_type_error("", "image", "", "x", "PNG")).startswith(
        "cannot tell the image type of 'x' from its name; give the file a known extension (PNG)"
    )


def test_long_references_are_shortened_in_errors() -> None:
    source = "data:image/bmp;base64," + "A" * 10_000
    message = str(media_type_error("anthropic", "image", "image/bmp", source, "PNG"))
    assert len(message) < 200
    assert "data:image/bmp;base64,AAAA" in message and "..." in message


# --- no import-time work -------------------------------------------------------


def test_importing_the_module_loads_neither_base64_nor_mimetypes() -> None:
    code = (
        "import sys, modelkit._media\n"
        "print(sorted(m for m in ('base64', 'mimetypes') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the local-file policy and safe reads (issue 16, point 7) -------------------


@pytest.fixture
def no_local_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_media_guard._policy, "local_files", False)


@pytest.mark.parametrize(
    "source",
    ["/etc/passwd", "file:///etc/passwd", "../secrets/key.png", "innocent.png", "s3://b/k.png"],
)
def test_with_local_files_off_only_data_uris_and_http_urls_pass(
    no_local_files: None, source: str
) -> None:
    with pytest.raises(ConfigError, match="local files are turned off") as info:
        read_media(source, "image")
    assert repr(source) in str(info.value)
    with pytest.raises(ConfigError, match="local files are turned off"):
        check_media("image", source)
    assert parse_media("https://example.com/cat.png").is_url
    assert read_media(f"data:image/png;base64,{PNG_B64}", "image") == ("image/png", PNG_B64)


def test_the_environment_turns_local_files_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    assert read_media(str(image), "image")[0] == "image/png"  # allowed by default
    monkeypatch.setenv("MODELKIT_LOCAL_MEDIA", "deny")
    with pytest.raises(ConfigError, match="local files are turned off"):
        read_media(str(image), "image")
    monkeypatch.setitem(_media_guard._policy, "local_files", True)  # the call wins
    assert read_media(str(image), "image")[0] == "image/png"


@pytest.mark.parametrize("value", ["disabled", "block", "dney", "2"])
def test_an_unknown_local_media_value_fails_closed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    monkeypatch.setenv("MODELKIT_LOCAL_MEDIA", value)
    with pytest.raises(ConfigError) as caught:
        read_media(str(image), "image")
    message = str(caught.value)
    assert f"MODELKIT_LOCAL_MEDIA={value!r}" in message
    for word in ("deny", "0", "off", "allow", "1", "yes"):
        assert word in message
    # a data: URI needs no policy, so it never trips over the typo
    assert read_media(f"data:image/png;base64,{PNG_B64}", "image")[0] == "image/png"


@pytest.mark.parametrize("value", ["allow", "1", "Yes ", "on", ""])
def test_the_allow_words_read_local_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    monkeypatch.setenv("MODELKIT_LOCAL_MEDIA", value)
    assert read_media(str(image), "image")[0] == "image/png"


def test_set_media_policy_checks_and_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_media_guard, "_policy", dict(_media_guard._policy))
    with pytest.raises(ConfigError, match="local_files must be True or False"):
        set_media_policy(local_files="no")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_file_bytes must be >= 1"):
        set_media_policy(max_file_bytes=0)
    set_media_policy(local_files=False, max_file_bytes=10)
    assert _media_guard._policy == {"local_files": False, "max_file_bytes": 10}
    assert not _media_guard.local_files_allowed()


def test_a_symlink_named_like_an_image_to_a_text_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    link = tmp_path / "innocent.png"
    link.symlink_to(secret)
    for read in (lambda: read_media(str(link), "media"), lambda: data_uri(str(link), "image")):
        with pytest.raises(ConfigError, match="cannot be sent as image: its bytes are not in any"):
            read()


def test_files_larger_than_the_cap_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(_media_guard._policy, "max_file_bytes", 64)
    image = tmp_path / "big.png"
    image.write_bytes(PNG + b"\x00" * 56)
    assert read_media(str(image), "image")[0] == "image/png"  # exactly the cap
    image.write_bytes(PNG + b"\x00" * 57)
    with pytest.raises(ConfigError, match="larger than 64 bytes"):
        read_media(str(image), "image")


_SPECIAL_FILE = """
import os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from modelkit._media import read_media
from modelkit.errors import ConfigError
path = sys.argv[1]
if path.endswith("fifo"):
    os.mkfifo(path)
try:
    read_media(path, "audio")
except ConfigError as exc:
    print("ConfigError:", exc)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/zero, FIFOs or RLIMIT_AS")
@pytest.mark.parametrize("name", ["/dev/zero", "fifo"])
def test_devices_and_fifos_are_refused_without_reading_or_blocking(
    tmp_path: Path, name: str
) -> None:
    # In a child with 1 GiB of address space: before the fix /dev/zero read until
    # MemoryError and opening the FIFO waited for a writer forever.
    path = name if name.startswith("/") else str(tmp_path / name)
    done = subprocess.run(
        [sys.executable, "-c", _SPECIAL_FILE, path], capture_output=True, text=True, timeout=30
    )
    assert done.stdout.startswith("ConfigError: audio ") and "not a regular file" in done.stdout
    assert done.returncode == 0, done.stderr


# --- check_media: data that is not what its part says (issue 16, point 10) -----


@pytest.mark.parametrize(
    ("kind", "source", "needle"),
    [
        ("image", "data:text/x-python;base64,cHJpbnQoMSkK", "its type is text/x-python"),
        ("image", "script.py", "its type is text/x-python"),
        ("image", "data:image/png;base64,cHJpbnQoMSkK", "its bytes are not in any image format"),
        ("image", f"data:image/png;base64,{base64.b64encode(b'%PDF-1.7').decode()}", "pdf"),
        ("audio", "data:image/png;base64," + PNG_B64, "its type is image/png, not audio/*"),
        ("video", "notes.txt", "its type is text/plain, not video/*"),
    ],
)
def test_check_media_refuses_data_that_is_not_what_the_part_says(
    kind: str, source: str, needle: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{kind} .* is not an? {kind}: .*{needle}"):
        check_media(kind, source)


def test_check_media_passes_real_media_and_urls(tmp_path: Path) -> None:
    check_media("image", f"data:image/png;base64,{PNG_B64}")
    check_media("image", "https://example.com/page.py")  # the API fetches and judges it
    check_media("image", str(tmp_path / "photo.png"))  # files are checked when read
    check_media("audio", "data:audio/wav;base64,UklGRgAAAABXQVZF")
