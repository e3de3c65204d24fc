"""AWS credential and region lookup, the way the AWS CLI and SDKs find static ones.

``load_credentials`` reads ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/
``AWS_SESSION_TOKEN``, then the ``AWS_PROFILE`` profile of the shared
credentials file and of the config file; ``resolve_region`` reads
``AWS_REGION``/``AWS_DEFAULT_REGION``, then the profile's ``region``. Both
take the environment and the home directory as arguments, so callers and
tests choose them, and read the ``~/.aws`` files only when called. Roles,
SSO and instance metadata are not consulted. Signing is in ``_sigv4``.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Union

__all__ = ["Credentials", "load_credentials", "resolve_region"]

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True, repr=False)
class Credentials:
    """An AWS access key pair with an optional session token.

    The repr shows the access key id but never the secret or the token.

    Attributes:
        access_key: The access key id (``AKIA...`` or ``ASIA...``).
        secret_key: The secret access key.
        session_token: The session token of temporary credentials, or None.
    """

    access_key: str
    secret_key: str
    session_token: Optional[str] = None

    def __repr__(self) -> str:
        token = "None" if self.session_token is None else "'***'"
        return (
            f"Credentials(access_key={self.access_key!r}, secret_key='***', session_token={token})"
        )


def _get(environ: Mapping[str, str], name: str) -> Optional[str]:
    value = environ.get(name, "").strip()
    return value or None


def _expand(path: str, home: Optional[PathLike]) -> Optional[str]:
    """Expand a leading ``~`` against ``home``; None if that is impossible."""
    if path == "~" or path.startswith("~/") or path.startswith("~" + os.sep):
        if home is None:
            return None
        return os.path.join(os.fspath(home), path[2:])
    return path


def _shared_file(
    environ: Mapping[str, str], home: Optional[PathLike], variable: str, default_name: str
) -> Optional[str]:
    explicit = _get(environ, variable)
    if explicit is not None:
        return _expand(explicit, home)
    if home is None:
        return None
    return os.path.join(os.fspath(home), ".aws", default_name)


def _read_ini(path: Optional[str]) -> Optional[configparser.ConfigParser]:
    """Parse an AWS shared file; None when it does not exist."""
    if path is None or not os.path.isfile(path):
        return None
    # AWS files give ``[DEFAULT]`` no special meaning, so no section may act
    # as configparser's defaults; and values are taken literally (no ``%``).
    parser = configparser.ConfigParser(interpolation=None, default_section="\x00")
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        # Name the file and the error class only: the message may quote a
        # line of the file, and that line may hold a secret.
        raise ValueError(f"could not parse AWS shared file {path} ({type(exc).__name__})") from None
    return parser


def _profile_name(environ: Mapping[str, str]) -> str:
    return _get(environ, "AWS_PROFILE") or "default"


def _config_section(
    parser: configparser.ConfigParser, profile: str
) -> Optional[configparser.SectionProxy]:
    """Find a profile in ``~/.aws/config``: ``[profile NAME]``, or ``[default]``."""
    candidates: Sequence[str] = ["profile " + profile]
    if profile == "default":
        candidates = ["default", "profile default"]
    for section in candidates:
        if parser.has_section(section):
            return parser[section]
    return None


def _credentials_from(section: Optional[configparser.SectionProxy]) -> Optional[Credentials]:
    if section is None:
        return None
    access = section.get("aws_access_key_id", "").strip()
    secret = section.get("aws_secret_access_key", "").strip()
    if not access or not secret:
        return None
    token = (
        section.get("aws_session_token", "").strip()
        or section.get("aws_security_token", "").strip()
    )
    return Credentials(access, secret, token or None)


def load_credentials(environ: Mapping[str, str], home: Optional[PathLike]) -> Optional[Credentials]:
    """Find static AWS credentials the way the AWS CLI and SDKs do.

    In order: ``AWS_ACCESS_KEY_ID`` with ``AWS_SECRET_ACCESS_KEY`` (and
    ``AWS_SESSION_TOKEN``) from ``environ``; then the profile
    ``AWS_PROFILE`` (else ``default``) in the shared credentials file
    (``AWS_SHARED_CREDENTIALS_FILE``, else ``<home>/.aws/credentials``);
    then static keys in that profile of the config file (``AWS_CONFIG_FILE``,
    else ``<home>/.aws/config``). Roles, SSO and instance metadata are not
    consulted.

    Args:
        environ: The environment to read, e.g. ``os.environ``.
        home: The home directory for ``~/.aws``, or None to skip the files
            unless named by variables with absolute paths.

    Returns:
        The credentials, or None when none are configured.

    Raises:
        ValueError: If a shared file exists but cannot be parsed.
    """
    access = _get(environ, "AWS_ACCESS_KEY_ID")
    secret = _get(environ, "AWS_SECRET_ACCESS_KEY")
    if access and secret:
        token = _get(environ, "AWS_SESSION_TOKEN") or _get(environ, "AWS_SECURITY_TOKEN")
        return Credentials(access, secret, token)

    profile = _profile_name(environ)
    creds_file = _read_ini(
        _shared_file(environ, home, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
    )
    if creds_file is not None and creds_file.has_section(profile):
        found = _credentials_from(creds_file[profile])
        if found is not None:
            return found
    config_file = _read_ini(_shared_file(environ, home, "AWS_CONFIG_FILE", "config"))
    if config_file is not None:
        return _credentials_from(_config_section(config_file, profile))
    return None


def resolve_region(environ: Mapping[str, str], home: Optional[PathLike]) -> Optional[str]:
    """Find the AWS region the way the AWS CLI and SDKs do.

    In order: ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then ``region`` in the
    profile ``AWS_PROFILE`` (else ``default``) of the config file
    (``AWS_CONFIG_FILE``, else ``<home>/.aws/config``), whose sections are
    ``[profile NAME]`` and ``[default]``.

    Args:
        environ: The environment to read, e.g. ``os.environ``.
        home: The home directory for ``~/.aws``, or None to skip the file
            unless ``AWS_CONFIG_FILE`` names it by an absolute path.

    Returns:
        The region name, or None when none is configured.

    Raises:
        ValueError: If the config file exists but cannot be parsed.
    """
    region = _get(environ, "AWS_REGION") or _get(environ, "AWS_DEFAULT_REGION")
    if region:
        return region
    config_file = _read_ini(_shared_file(environ, home, "AWS_CONFIG_FILE", "config"))
    if config_file is None:
        return None
    section = _config_section(config_file, _profile_name(environ))
    if section is None:
        return None
    return section.get("region", "").strip() or None
