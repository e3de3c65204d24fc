"""What a batch handle and a batch API's answers may decide: never where a key goes.

A handle is a file anyone with write access to it can edit, and a batch
API's answers (a results URL, an upload URL, file and job ids) come from the
network. Three rules keep credentials where the user configured them:

* ``check_base_url``: a handle's ``base_url`` must equal the API root the
  model was configured with (argument, environment, provider default),
  compared normalised (scheme and host lower-cased, default port and
  trailing ``/`` dropped, userinfo, query and fragment ignored); otherwise a
  ``ConfigError`` names both roots and how to choose one. The handle's root
  is never used to send anything.
* ``same_origin``: credentials are sent only to the configured API's origin
  (scheme, host, port). None of the five batch APIs documents a pre-signed
  URL modelkit fetches (Anthropic's ``results_url`` is served by the API and
  needs ``x-api-key``; OpenAI, Azure and Mistral results are read by file id
  from ``/files/{id}/content``; Gemini's ``responsesFile`` is a ``files/…``
  name read from ``/download/…``), so a URL on another origin is refused.
* ``path_id``: an id placed in a URL path must match its pattern (by default
  ``ID_PATTERN``: a letter or digit, then letters, digits, ``_ . ~ -``, at
  most 256 characters; Gemini's ``batches/…`` and ``files/…`` names add their
  prefix) and is percent-quoted, so ``../fine_tuning/jobs/x/cancel#`` can
  never reach another endpoint.
"""

from __future__ import annotations

import re
from typing import Optional, Pattern, Tuple
from urllib.parse import quote, urlsplit

from ..errors import ConfigError

__all__ = ["ID_PATTERN", "check_base_url", "normal_root", "origin", "path_id", "same_origin"]

ID_PATTERN: Pattern[str] = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.~-]{0,255}")
"""A provider id as one URL path segment (``batch_abc``, ``msgbatch_01…``, a UUID)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = Tuple[str, str, int]


def origin(url: str) -> Optional[Origin]:
    """``(scheme, host, port)`` of an ``http(s)`` URL, lower-cased; ``None`` when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def same_origin(url: str, root: str) -> bool:
    """Whether ``url`` is on the origin of the API root ``root``."""
    here = origin(url)
    return here is not None and here == origin(root)


def show_origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` (never its userinfo, path or query) for messages."""
    found = origin(url)
    if found is None:
        return "a URL that is not http(s)"
    scheme, host, port = found
    return f"{scheme}://{host}:{port}"


def normal_root(url: str) -> Optional[str]:
    """``url`` as an API root to compare: ``scheme://host[:port]/path``, no trailing ``/``."""
    found = origin(url)
    if found is None:
        return None
    scheme, host, port = found
    path = urlsplit(url.strip()).path.rstrip("/")
    where = host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return f"{scheme}://{where}{path}"


def check_base_url(handle_url: Optional[str], configured: str, model: str) -> None:
    """Refuse a handle submitted to another API root than the model's.

    Args:
        handle_url: the handle's ``base_url`` (``None``: the provider's default).
        configured: the root the model sends to (its ``base_url`` or default).
        model: ``provider/model``, for the message.

    Raises:
        ConfigError: the roots differ (both named, without credentials).
    """
    submitted = normal_root(handle_url or configured)
    current = normal_root(configured)
    if submitted is not None and submitted == current:
        return
    shown = submitted or "a base_url that is not an http(s) URL"
    raise ConfigError(
        f"this {model} batch handle was submitted to {shown}, but the model sends to "
        f"{current}; a handle never chooses where the API key goes. If you submitted it "
        "there, pass that root yourself: --base-url on the command line (or the provider's "
        "*_BASE_URL variable), base_url= to get_model() in Python"
    )


def path_id(value: object, pattern: Pattern[str] = ID_PATTERN) -> Optional[str]:
    """``value`` percent-quoted for a URL path when it matches ``pattern``, else ``None``."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return None
    return quote(value, safe="/")
