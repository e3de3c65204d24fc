"""Tests for ``modelkit.providers.bedrock._credentials``: static credentials and the region.

The lookup order and the shared-file layout (``[profile NAME]`` sections in
``~/.aws/config``, plain ``[NAME]`` in ``~/.aws/credentials``) follow the AWS
CLI's documentation,
https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html.
Every file is written under ``tmp_path``; the environment is a plain dict.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelkit.providers.bedrock._credentials import Credentials, load_credentials, resolve_region


def test_credentials_repr_hides_secret_and_token() -> None:
    creds = Credentials("AKIAEXAMPLE", "very-secret-key", "session-token-value")
    text = repr(creds)
    assert "AKIAEXAMPLE" in text
    assert "very-secret-key" not in text
    assert "session-token-value" not in text
    assert "very-secret-key" not in str(creds)
    assert "session_token=None" in repr(Credentials("AKIAEXAMPLE", "very-secret-key"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CREDENTIALS_FILE = """\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[work]
aws_access_key_id = AKIAWORK
aws_secret_access_key = work-secret
aws_session_token = work-token
"""

CONFIG_FILE = """\
[default]
region = eu-west-1

[profile work]
region = ap-southeast-2

[profile static]
region = us-east-2
aws_access_key_id = AKIACONFIG
aws_secret_access_key = config%secret
"""


def test_credentials_from_environment_win(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "credentials", CREDENTIALS_FILE)
    environ = {
        "AWS_ACCESS_KEY_ID": "AKIAENV",
        "AWS_SECRET_ACCESS_KEY": "env-secret",
        "AWS_SESSION_TOKEN": "env-token",
    }
    assert load_credentials(environ, tmp_path) == Credentials("AKIAENV", "env-secret", "env-token")
    environ.pop("AWS_SESSION_TOKEN")
    assert load_credentials(environ, tmp_path) == Credentials("AKIAENV", "env-secret", None)


def test_credentials_need_both_environment_keys(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "credentials", CREDENTIALS_FILE)
    found = load_credentials({"AWS_ACCESS_KEY_ID": "AKIAENV"}, tmp_path)
    assert found == Credentials("AKIADEFAULT", "default-secret", None)


def test_credentials_from_shared_file_profiles(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "credentials", CREDENTIALS_FILE)
    assert load_credentials({}, tmp_path) == Credentials("AKIADEFAULT", "default-secret", None)
    assert load_credentials({"AWS_PROFILE": "work"}, tmp_path) == Credentials(
        "AKIAWORK", "work-secret", "work-token"
    )
    assert load_credentials({"AWS_PROFILE": "absent"}, tmp_path) is None


def test_credentials_file_named_by_variable(tmp_path: Path) -> None:
    other = _write(tmp_path / "elsewhere" / "creds.ini", CREDENTIALS_FILE)
    environ = {"AWS_SHARED_CREDENTIALS_FILE": str(other), "AWS_PROFILE": "work"}
    assert load_credentials(environ, None) == Credentials("AKIAWORK", "work-secret", "work-token")
    tilde = {"AWS_SHARED_CREDENTIALS_FILE": "~/elsewhere/creds.ini"}
    assert load_credentials(tilde, tmp_path) == Credentials("AKIADEFAULT", "default-secret", None)


def test_credentials_fall_back_to_static_keys_in_config(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "config", CONFIG_FILE)
    assert load_credentials({"AWS_PROFILE": "static"}, tmp_path) == Credentials(
        "AKIACONFIG", "config%secret", None
    )
    assert load_credentials({}, tmp_path) is None


def test_no_credentials_anywhere(tmp_path: Path) -> None:
    assert load_credentials({}, tmp_path) is None
    assert load_credentials({}, None) is None
    assert load_credentials({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, None) is None


def test_unparseable_credentials_file_does_not_leak_its_contents(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "credentials", "aws_secret_access_key = leaked\n[default]\n")
    with pytest.raises(ValueError) as info:
        load_credentials({}, tmp_path)
    assert "leaked" not in str(info.value)


def test_region_from_environment(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "config", CONFIG_FILE)
    both = {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert resolve_region(both, tmp_path) == "us-west-2"
    assert resolve_region({"AWS_DEFAULT_REGION": "eu-central-1"}, tmp_path) == "eu-central-1"


def test_region_from_config_profiles(tmp_path: Path) -> None:
    _write(tmp_path / ".aws" / "config", CONFIG_FILE)
    assert resolve_region({}, tmp_path) == "eu-west-1"
    assert resolve_region({"AWS_PROFILE": "work"}, tmp_path) == "ap-southeast-2"
    assert resolve_region({"AWS_PROFILE": "absent"}, tmp_path) is None


def test_region_config_file_named_by_variable(tmp_path: Path) -> None:
    other = _write(tmp_path / "cfg" / "aws.ini", CONFIG_FILE)
    environ = {"AWS_CONFIG_FILE": str(other), "AWS_PROFILE": "static"}
    assert resolve_region(environ, None) == "us-east-2"


def test_no_region_anywhere(tmp_path: Path) -> None:
    assert resolve_region({}, tmp_path) is None
    assert resolve_region({}, None) is None
    _write(tmp_path / ".aws" / "config", "[profile work]\nregion = ap-southeast-2\n")
    assert resolve_region({}, tmp_path) is None
