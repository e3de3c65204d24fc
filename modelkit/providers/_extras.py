"""``GenerateConfig.extra_headers`` and ``extra_body``, applied to any JSON-over-HTTP request.

Extra headers are added to the request (replacing a non-credential header
of the same name, whatever its case, such as ``anthropic-beta``); extra body
fields are merged into the top level of the JSON body, replacing fields of
the same name (as the official SDKs' ``extra_headers``/``extra_body`` do).
Credential headers (``Authorization``, ``x-api-key``, ``api-key``,
``x-goog-api-key``, ``x-amz-*``...) can be neither set nor replaced: the
config refuses them, and this module checks again, so an API key is only
ever sent as the provider puts it, and signing (SigV4) covers the extras.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Dict, TypeVar

from .._config_fields import credential_header
from ..config import GenerateConfig
from ..errors import ConfigError

__all__ = ["with_extras"]

R = TypeVar("R")


def with_extras(request: R, config: GenerateConfig) -> R:
    """``request`` (an ``HttpRequest``: ``headers`` and ``body``) with
    ``config.extra_headers`` and ``config.extra_body`` applied.

    Raises:
        ConfigError: an extra header would set or replace a credential.
    """
    if not config.extra_headers and not config.extra_body:
        return request
    headers: Dict[str, str] = dict(request.headers)  # type: ignore[attr-defined]
    for name, value in (config.extra_headers or {}).items():
        if credential_header(name):
            raise ConfigError(f"extra_headers may not set {name!r}: credentials come from api_key")
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    body = {**request.body, **(config.extra_body or {})}  # type: ignore[attr-defined]
    return request.replace(headers=headers, body=body)  # type: ignore[attr-defined,no-any-return]
