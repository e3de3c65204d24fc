"""Validation of the ``GenerateConfig`` fields Inspect 0.3.285 added to the seed's 23.

Each validator takes attrs' ``(instance, attribute, value)`` and raises a
``ConfigError`` naming the field and what it allows. ``AdaptiveConcurrency``
(Inspect's name) bounds and tunes ``adaptive_connections``; the controller
that applies it is ``modelkit._engine.adaptive``. ``CREDENTIAL_HEADERS``
lists the header names ``extra_headers`` may never set: credentials come
from the API key alone, so a config can neither replace nor read them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Dict, Literal, Mapping, Optional, Sequence, Union

import attrs

from ._serde import Serializable
from .errors import ConfigError

__all__ = [
    "CREDENTIAL_HEADERS",
    "AdaptiveConcurrency",
    "ImageOutput",
    "OutputModality",
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


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def _fraction(name: str, value: Any, closed: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (0 < value < 1 or (closed and value == 1)):
        allowed = "in (0, 1]" if closed else "in (0, 1)"
        raise ConfigError(f"adaptive_connections {name} must be {allowed}, got {value!r}")
    return float(value)


_DEFAULT_MIN, _DEFAULT_START, _DEFAULT_MAX = 10, 20, 100


class _Implicit(int):
    """A default bound the caller did not give (moved into range after init)."""


def _plain(value: Any) -> Any:
    return int(value) if type(value) is _Implicit else value


@attrs.define(kw_only=True)
class AdaptiveConcurrency(Serializable):
    """Bounds and tuning of ``GenerateConfig.adaptive_connections`` (Inspect's names).

    The limit starts at ``start``, grows by ``scale_up_percent`` of itself
    after each round of successful calls that used it, towards ``max``, and
    is cut by ``decrease_factor`` on a rate limit (at most once per
    ``cooldown_seconds``), never below ``min``.

    Args:
        min: the lowest limit (>= 1).
        start: the first limit (within ``[min, max]``).
        max: the highest limit.
        cooldown_seconds: the least time between two cuts.
        decrease_factor: the factor a cut multiplies the limit by, in (0, 1).
        scale_up_percent: growth per clean round, a fraction in (0, 1].

    Raises:
        ConfigError: a bound or tuning value out of range.
    """

    min: int = attrs.field(default=_Implicit(_DEFAULT_MIN))
    start: int = attrs.field(default=_Implicit(_DEFAULT_START))
    max: int = _DEFAULT_MAX
    cooldown_seconds: float = 15.0
    decrease_factor: float = 0.8
    scale_up_percent: float = 0.05

    def __attrs_post_init__(self) -> None:
        # As Inspect: bounds not given follow the ones given, so that
        # AdaptiveConcurrency(max=8) or (min=1, max=15) is valid as it reads.
        if isinstance(self.max, int) and not isinstance(self.max, bool):
            if type(self.min) is _Implicit:
                self.min = self.max if self.max < _DEFAULT_MIN else _DEFAULT_MIN
            if type(self.start) is _Implicit and isinstance(self.min, int):
                self.start = max(self.min, min(_DEFAULT_START, self.max))
        self.min, self.start = _plain(self.min), _plain(self.start)
        for name in ("min", "start", "max"):
            _positive_int(f"adaptive_connections {name}", getattr(self, name))
        if not self.min <= self.start <= self.max:
            raise ConfigError(
                f"adaptive_connections needs min <= start <= max, got min={self.min}, "
                f"start={self.start}, max={self.max}"
            )
        cooldown = self.cooldown_seconds
        if (
            isinstance(cooldown, bool)
            or not isinstance(cooldown, (int, float))
            or not math.isfinite(cooldown)
            or cooldown < 0
        ):
            raise ConfigError(
                f"adaptive_connections cooldown_seconds must be >= 0, got {cooldown!r}"
            )
        _fraction("decrease_factor", self.decrease_factor, closed=False)
        _fraction("scale_up_percent", self.scale_up_percent, closed=True)

    @classmethod
    def _coerce_input(cls, obj: Any) -> Any:
        """``model_validate`` also takes Inspect's ``"min-max"``/``"min-start-max"``."""
        return adaptive_value(obj) if isinstance(obj, str) else obj


def adaptive_value(value: Any) -> Any:
    """A converter: Inspect's ``"min-max"`` / ``"min-start-max"`` shorthand and
    dicts (from ``to_dict``) become ``AdaptiveConcurrency``; the rest is left
    for the validator."""
    if isinstance(value, str):
        try:
            numbers = [int(part) for part in value.split("-")]
        except ValueError:
            numbers = []
        if len(numbers) == 2:
            low, high = numbers
            return AdaptiveConcurrency(min=low, max=high)
        if len(numbers) == 3:
            return AdaptiveConcurrency(min=numbers[0], start=numbers[1], max=numbers[2])
        raise ConfigError(
            f"adaptive_connections {value!r} is not 'min-max' or 'min-start-max' (e.g. '1-20')"
        )
    if isinstance(value, Mapping):
        return AdaptiveConcurrency.from_dict(value)
    return value


def check_adaptive(instance: Any, attribute: Any, value: Any) -> None:
    """``None``, a bool, an integer maximum (>= 1) or an ``AdaptiveConcurrency``."""
    if value is None or isinstance(value, (bool, AdaptiveConcurrency)):
        return
    if isinstance(value, int):
        _positive_int("adaptive_connections", value)
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


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
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
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
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


@attrs.define
class ImageOutput(Serializable):
    """Image output, with options for the provider (Inspect's ``ImageOutput``).

    ``GenerateConfig(modalities=[ImageOutput(options={"openai": {...}})])``
    asks for images as ``"image"`` does, and passes ``options["openai"]``
    to OpenAI's ``image_generation`` tool (``size``, ``quality``,
    ``output_format``, ``background``...) as they are.

    Args:
        options: provider name (``"openai"``) to that provider's options.
    """

    options: Optional[Dict[str, Dict[str, Any]]] = None

    def __attrs_post_init__(self) -> None:
        if self.options is not None and not (
            isinstance(self.options, Mapping)
            and all(isinstance(v, Mapping) for v in self.options.values())
        ):
            raise ConfigError(
                "ImageOutput options must map a provider to its options, e.g. "
                f'{{"openai": {{"size": "1024x1024"}}}}; got {self.options!r}'
            )


OutputModality = Union[Literal["image"], ImageOutput]
"""An output modality beyond text: ``"image"`` or an ``ImageOutput`` (Inspect's type)."""


def modalities_value(value: Any) -> Any:
    """A converter: dicts in ``modalities`` (from ``to_dict``) become ``ImageOutput``."""
    if isinstance(value, list) and any(isinstance(m, Mapping) for m in value):
        return [ImageOutput.from_dict(m) if isinstance(m, Mapping) else m for m in value]
    return value


def check_modalities(instance: Any, attribute: Any, value: Any) -> None:
    """A list of extra output modalities: ``"image"`` or ``ImageOutput``."""
    if value is None:
        return
    if isinstance(value, str) or not all(
        m in MODALITIES or isinstance(m, ImageOutput) for m in value
    ):
        raise ConfigError(
            f"modalities must be a list of 'image' or ImageOutput(...), got {value!r}"
        )


def image_output(modalities: Optional[Sequence[Any]]) -> Optional[ImageOutput]:
    """The image output asked for (the last ``ImageOutput``; a bare one for ``"image"``)."""
    found: Optional[ImageOutput] = None
    for modality in modalities or ():
        if isinstance(modality, ImageOutput):
            found = modality
        elif modality == "image" and found is None:
            found = ImageOutput()
    return found
