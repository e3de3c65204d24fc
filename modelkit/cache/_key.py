"""Keys and paths of the response cache.

``request_key`` hashes (sha256) a canonical JSON document of everything
that changes a model's answer: provider, model name, base URL, the
normalised messages, tools, tool choice, the config fields that affect
output, the model arguments that do (``ModelAPI.cache_args``: Anthropic's
``thinking``/``betas``, Bedrock's ``additional_model_request_fields``...),
the epoch and the policy's scopes. Never the API key. ``cache_path`` finds the cache
root (from the environment, at call time) and ``model_dir`` turns a model
name (``"openai/gpt-4o"``) into a relative directory that cannot escape it.
Nothing here touches the file system.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import string
import sys
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

from .._env import env_value, env_values
from .._serde import unstructure
from ..tools._types import tool_choice_to_dict

if TYPE_CHECKING:
    from .._prepare import GenerateRequest

DB_NAME = "cache.sqlite3"
"""The database file in each model's directory."""

CORRUPT_MARK = ".corrupt-"
"""Infix of a corrupt database moved aside: ``cache.sqlite3.corrupt-<time>-<pid>``."""

KEY_VERSION = 2
"""Bumped whenever the key document changes shape, so old entries simply miss."""

IGNORED_CONFIG = frozenset(
    {
        "max_retries",
        "timeout",
        "max_connections",
        "cache",
        "requests_per_minute",
        "tokens_per_minute",
        "batch",
        "attempt_timeout",
        "adaptive_connections",
        "fallback_models",
        "fail_on_refusal",
        "stream_idle_timeout",
    }
)
"""Config fields that change how a call is made, never what it answers."""

_SAFE = frozenset(string.ascii_letters + string.digits + "._-+@=,")


def key_document(
    provider: str,
    model: str,
    base_url: Optional[str],
    request: GenerateRequest,
    epoch: Optional[int],
    scopes: Mapping[str, Any],
    model_args: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """The JSON-ready document whose hash is the cache key.

    Args:
        provider: the provider's registry name.
        model: the model name, without the provider.
        base_url: the API's base URL (``None``: the provider's default).
        request: the normalised request.
        epoch: the epoch, or ``None`` when the key ignores it.
        scopes: the policy's extra key values.
        model_args: the provider arguments that change the answer.
    """
    return {
        "v": KEY_VERSION,
        "provider": provider,
        "model": model,
        "base_url": base_url,
        "input": list(map(_message, request.input)),
        "tools": [tool.to_dict() for tool in request.tools] if request.tools else [],
        "tool_choice": tool_choice_to_dict(request.tool_choice),
        "config": _config_part(request.config),
        "epoch": epoch,
        "scopes": scopes if type(scopes) is dict else dict(scopes),  # read, never changed
        "args": _plain_dict(model_args) if model_args else {},
    }


def _plain_dict(mapping: Mapping[str, Any]) -> Dict[str, Any]:
    return mapping if type(mapping) is dict else dict(mapping)


def _config_part(config: Any) -> Dict[str, Any]:
    """The config's fields that change the answer, as ``to_dict`` writes them (set ones).

    One function per config class, generated on first use: the loop over
    its keyed fields unrolled (a config has 42 fields, almost all unset).
    """
    part = _config_parts.get(type(config))
    if part is None:
        part = _config_parts[type(config)] = _generate_config_part(type(config))
    return part(config)


def _generate_config_part(cls: type) -> Callable[[Any], Dict[str, Any]]:
    import attrs

    lines = ["def part(config):", "    out = {}"]
    for field in attrs.fields(cls):
        if field.name not in IGNORED_CONFIG:
            lines += [
                f"    value = config.{field.name}",
                "    if value is not None:",
                f"        out[{field.name!r}] = "
                "value if type(value) in _PLAIN else _unstructure(value)",
            ]
    lines.append("    return out")
    namespace: Dict[str, Any] = {"_PLAIN": _PLAIN, "_unstructure": unstructure}
    where = f"<modelkit cache key part of {cls.__module__}.{cls.__qualname__}>"
    exec(compile("\n".join(lines), where, "exec"), namespace)
    made: Callable[[Any], Dict[str, Any]] = namespace["part"]
    return made


_config_parts: Dict[type, Callable[[Any], Dict[str, Any]]] = {}
_PLAIN = frozenset({str, int, float, bool})


def request_key(document: Mapping[str, Any]) -> bytes:
    """The 32-byte sha256 of ``document`` as canonical JSON.

    Raises:
        TypeError: the document holds a value JSON cannot order (mixed key types).
        ValueError: it nests too deeply to encode (a structure holding itself).
    """
    try:
        text = "".join(_canonical(document, 0))
    except RecursionError:
        raise ValueError("the request nests too deeply to key (does it hold itself?)") from None
    return hashlib.sha256(text.encode("utf-8")).digest()


def _message(message: Any) -> Dict[str, Any]:
    """``message.to_dict()`` without ``source``, ``id`` and ``metadata``: they describe
    a message for its owner, are never sent to an API, so never change the answer."""
    kind = type(message)
    names = _message_names.get(kind)
    if names is None:
        names = _message_names[kind] = _keyed_names(kind)
    data: Dict[str, Any] = {}
    for name in names:
        value = getattr(message, name)
        if value is not None:
            data[name] = value if type(value) in _SCALARS else unstructure(value)
    return data


def _keyed_names(kind: type) -> Tuple[str, ...]:
    import attrs

    return tuple(
        field.name
        for field in attrs.fields(kind)
        if field.name not in _UNKEYED_MESSAGE_FIELDS and not field.metadata.get("transient")
    )


_UNKEYED_MESSAGE_FIELDS = frozenset({"source", "id", "metadata"})
_message_names: Dict[type, Tuple[str, ...]] = {}
_SCALARS = frozenset({str, int, float, bool})


def _fallback(value: Any) -> Any:
    """Non-JSON values (a tool parameter's default, say) by type and repr."""
    return {"__repr__": f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"}


def _make_canonical() -> Callable[[Any, int], Any]:
    """The canonical encoder: sorted keys, no spaces, UTF-8 kept, ``_fallback``.

    Made once and called directly (``json.dumps`` with options builds an
    encoder per call, ``JSONEncoder.encode`` a C encoder per call). It keeps
    no marks of the containers it is in (a structure holding itself fails
    as too deep instead), so one encoder serves every thread at once.
    """
    if c_make_encoder is not None:
        made: Callable[[Any, int], Any] = c_make_encoder(
            None, _fallback, encode_basestring, None, ":", ",", True, False, True
        )
        return made
    encoder = json.JSONEncoder(  # pragma: no cover - Pythons without the C accelerator
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_fallback
    )
    return lambda document, level: encoder.iterencode(document)


_canonical = _make_canonical()


@functools.lru_cache(maxsize=1024)  # a pure function of the name, asked on every lookup
def model_dir(model: str) -> str:
    """The directory (relative, ``/``-separated) holding ``model``'s cache.

    Each ``/``-separated part of the name becomes one directory level.
    Characters other than letters, digits and ``._-+@=,`` are written as
    ``%XX`` (UTF-8 bytes); ``.`` and ``..`` parts are escaped the same way,
    so no name reaches outside the cache root.
    """
    parts: List[str] = []
    for part in model.split("/"):
        if part in ("", ".", ".."):
            parts.append("".join(_escape(c) for c in part) or "%")
        else:
            parts.append("".join(c if c in _SAFE else _escape(c) for c in part))
    return "/".join(parts)


def model_name(directory: str) -> str:
    """The model name :func:`model_dir` made ``directory`` from."""
    from urllib.parse import unquote

    return "/".join("" if part == "%" else unquote(part) for part in directory.split("/"))


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def cache_path(model: str = "") -> Path:
    """The cache directory, or the directory of ``model``'s cache within it.

    The root is ``$MODELKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/modelkit``,
    else the platform's cache directory: ``~/.cache/modelkit`` (Linux),
    ``~/Library/Caches/modelkit`` (macOS), ``%LOCALAPPDATA%\\modelkit\\Cache``
    (Windows). ``model`` is ``"provider/name"``; each ``/`` part is one
    directory level, other unsafe characters are ``%XX``-escaped. Nothing
    is created.
    """
    configured = env_value("MODELKIT_CACHE_DIR")
    memo_key = (model, configured) if configured else (model, None, *env_values(_HOME_VARIABLES))
    found = _paths.get(memo_key)
    if found is not None:
        return found
    root = _root()
    path = Path(os.path.abspath(root))
    if model:
        path = path.joinpath(*model_dir(model).split("/"))
    if os.path.isabs(root):  # a relative root depends on the working directory: not kept
        if len(_paths) >= _MAX_PATHS:
            _paths.clear()
        _paths[memo_key] = path
    return path


_paths: Dict[Tuple[Optional[str], ...], Path] = {}
"""``cache_path``'s answers by model and the environment variables they depend on."""
_MAX_PATHS = 256


def db_path(model: str) -> Path:
    """The sqlite database of ``model``'s cache: ``cache_path(model) / DB_NAME``."""
    directory = cache_path(model)
    found = _databases.get(directory)
    if found is None:
        if len(_databases) >= _MAX_PATHS:
            _databases.clear()
        found = _databases[directory] = directory / DB_NAME
    return found


_databases: Dict[Path, Path] = {}


_HOME_VARIABLES = ("XDG_CACHE_HOME", "HOME", "LOCALAPPDATA", "USERPROFILE")
"""What ``cache_path``'s root depends on without ``$MODELKIT_CACHE_DIR`` (``_root``;
``~`` is ``HOME``, or ``USERPROFILE``)."""


def _root() -> str:
    """The cache root as configured, ``~`` expanded (perhaps relative)."""
    root = os.environ.get("MODELKIT_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        if xdg:
            root = os.path.join(xdg, "modelkit")
        elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
            root = os.path.join(os.environ["LOCALAPPDATA"], "modelkit", "Cache")
        elif sys.platform == "darwin":
            root = os.path.join(os.path.expanduser("~"), "Library", "Caches", "modelkit")
        else:
            root = os.path.join(os.path.expanduser("~"), ".cache", "modelkit")
    return os.path.expanduser(root)
