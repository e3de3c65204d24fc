"""Validation of the ``GenerateConfig`` fields Inspect 0.3.285 added to the seed's 23.

Each validator takes attrs' ``(instance, attribute, value)`` and raises a
``ConfigError`` naming the field and what it allows. The classes those
fields may hold (``AdaptiveConcurrency``, ``ImageOutput``) live in
``_config_types``, imported by the first value that needs one: a config
that leaves these fields ``None`` never builds them (issue 24, cold
start). The controller that applies ``adaptive_connections`` is
``modelkit._engine.adaptive``. ``CREDENTIAL_HEADERS``
lists the header names ``extra_headers`` may never set: credentials come
from the API key alone, so a config can neither replace nor read them.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from ._config_checks import positive_int
from .errors import ConfigError

if TYPE_CHECKING:
    from ._config_types import ImageOutput

__all__ = [
    "CREDENTIAL_HEADERS",
    "adaptive_value",
    "check_adaptive",
    "check_extra_body",
    "check_extra_headers",
    "check_modalities",
    "check_model_names",
    "credential_header",
    "image_output",
    "modalities_value",
]

CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "host",
        "content-length",
    }
)
"""Header names (lower case) ``extra_headers`` may not set; nor any ``x-amz-*``."""


def credential_header(name: str) -> bool:
    """Whether ``name`` is a header that carries or frames credentials."""
    lowered = name.strip().lower()
    return lowered in CREDENTIAL_HEADERS or lowered.startswith("x-amz-")


def adaptive_value(value: Any) -> Any:
    """A converter: Inspect's ``"min-max"`` / ``"min-start-max"`` shorthand and
    dicts (from ``to_dict``) become ``AdaptiveConcurrency``; the rest is left
    for the validator."""
    if isinstance(value, (str, Mapping)):
        from ._config_types import adaptive_from

        return adaptive_from(value)
    return value


def check_adaptive(instance: Any, attribute: Any, value: Any) -> None:
    """``None``, a bool, an integer maximum (>= 1) or an ``AdaptiveConcurrency``."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        positive_int("adaptive_connections", value)
        return
    from ._config_types import AdaptiveConcurrency

    if isinstance(value, AdaptiveConcurrency):
        return
    raise ConfigError(
        "adaptive_connections must be True, False, an integer maximum or an "
        f"AdaptiveConcurrency, got {value!r}"
    )


def check_model_names(instance: Any, attribute: Any, value: Any) -> None:
    """A list of model names (``provider/model``, or a model of the same provider)."""
    if value is None:
        return
    if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f"{attribute.name} must be a list of model names (e.g. ['openai/gpt-4o-mini']), "
            f"got {value!r}"
        )


_HEADER_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # compiled by the first extra_headers
"""A header name: an RFC 9110 token."""


def check_extra_headers(instance: Any, attribute: Any, value: Any) -> None:
    """Token names, Latin-1 string values on one line, and no credential header.

    A message names the header, never its value (it may be a secret), and
    says how to fix it: ``http.client`` sends values as Latin-1, so anything
    else would escape a call as ``UnicodeEncodeError``.
    """
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"extra_headers must be a dict of header name to value, got {type(value).__name__}"
        )
    for name, text in value.items():
        if not isinstance(name, str) or not re.fullmatch(_HEADER_NAME, name):
            shown = repr(name) if isinstance(name, str) else type(name).__name__
            raise ConfigError(
                f"extra_headers name {shown[:80]} is not a header name: use ASCII letters, "
                "digits and !#$%&'*+-.^_`|~ only"
            )
        if not isinstance(text, str):
            raise ConfigError(
                f"extra_headers {name!r}: the value must be a string, got {type(text).__name__}; "
                "convert it with str()"
            )
        if any(c in text for c in "\r\n\0"):
            raise ConfigError(f"extra_headers {name!r}: the value may not hold line breaks")
        if text[:1].isspace():
            raise ConfigError(f"extra_headers {name!r}: the value may not start with whitespace")
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            raise ConfigError(
                f"extra_headers {name!r}: the value has characters HTTP headers cannot carry "
                "(only Latin-1); percent-encode it (urllib.parse.quote) or send it in the "
                "body (extra_body)"
            ) from None
        if credential_header(name):
            raise ConfigError(
                f"extra_headers may not set {name!r}: credentials come only from the API key "
                "(pass api_key= to get_model)"
            )


def check_extra_body(instance: Any, attribute: Any, value: Any) -> None:
    """A dict of JSON values."""
    if value is None:
        return
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"extra_body must be a dict with string keys, got {value!r}")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"extra_body must hold JSON values only: {exc}") from None


MODALITIES = ("image",)


def modalities_value(value: Any) -> Any:
    """A converter: dicts in ``modalities`` (from ``to_dict``) become ``ImageOutput``."""
    if isinstance(value, list) and any(isinstance(m, Mapping) for m in value):
        from ._config_types import ImageOutput

        return [ImageOutput.from_dict(m) if isinstance(m, Mapping) else m for m in value]
    return value


def check_modalities(instance: Any, attribute: Any, value: Any) -> None:
    """A list of extra output modalities: ``"image"`` or ``ImageOutput``."""
    if value is None:
        return
    from ._config_types import ImageOutput

    if isinstance(value, str) or not all(
        m in MODALITIES or isinstance(m, ImageOutput) for m in value
    ):
        raise ConfigError(
            f"modalities must be a list of 'image' or ImageOutput(...), got {value!r}"
        )


def image_output(modalities: Optional[Sequence[Any]]) -> Optional[ImageOutput]:
    """The image output asked for (the last ``ImageOutput``; a bare one for ``"image"``)."""
    if not modalities:
        return None
    from ._config_types import ImageOutput

    found: Optional[ImageOutput] = None
    for modality in modalities:
        if isinstance(modality, ImageOutput):
            found = modality
        elif modality == "image" and found is None:
            found = ImageOutput()
    return found
