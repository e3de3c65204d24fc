"""Provider payloads as plain JSON data, whatever form the caller has them in.

The converters in ``modelkit.convert`` take the APIs' JSON as dicts and
lists, and the official SDKs' objects too: a pydantic object (OpenAI,
Anthropic, python-genai) is read through its ``model_dump()`` (by alias,
so python-genai's objects give the REST API's camelCase keys), a
``TypedDict`` already is a dict. ``camel_keys`` turns python-genai's
snake_case dict keys (``ContentDict``) into the REST names, leaving the
JSON a function call carries (``args``, ``response``) as it is.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from ..errors import ConfigError

__all__ = ["as_plain", "as_plain_list", "camel_keys"]

_OPAQUE = frozenset({"args", "response", "parameters", "parametersJsonSchema", "input"})
"""Keys whose values are the caller's JSON, never renamed."""


def as_plain(value: Any, what: str) -> Dict[str, Any]:
    """``value`` as a plain dict (an SDK object through ``model_dump``).

    Raises:
        ConfigError: ``value`` is neither a mapping nor an object with ``model_dump``.
    """
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            data = dump(mode="json", by_alias=True, exclude_none=True)
        except TypeError:  # not pydantic's signature
            data = dump()
        if isinstance(data, Mapping):
            return dict(data)
    raise ConfigError(
        f"{what} must be a dict (the API's JSON) or an SDK object with model_dump(), "
        f"got {type(value).__name__}"
    )


def as_plain_list(values: Any, what: str) -> List[Dict[str, Any]]:
    """Each item of a list as a plain dict (see :func:`as_plain`)."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise ConfigError(f"{what} must be a list, got {type(values).__name__}")
    return [as_plain(value, f"each of {what}") for value in values]


def camel_keys(value: Any) -> Any:
    """``value`` with snake_case keys renamed to camelCase (the caller's JSON left alone)."""
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: Dict[str, Any] = {}
    for key, item in value.items():
        name = _camel(key) if isinstance(key, str) else key
        out[name] = item if name in _OPAQUE else camel_keys(item)
    return out


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)
