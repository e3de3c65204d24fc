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

from modelkit._media import (
    MediaRef,
    data_uri,
    guess_mime,
    media_type_error,
    parse_media,
    read_media,
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
    with pytest.raises(ConfigError, match=r"^cannot read media file ") as info:
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
    with pytest.raises(ConfigError, match=r"^openai: cannot tell the image type of '.*blob'"):
        data_uri(str(blob), "image", provider="openai")
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
