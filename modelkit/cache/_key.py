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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

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
    config = _config_part(request.config)
    return {
        "v": KEY_VERSION,
        "provider": provider,
        "model": model,
        "base_url": base_url,
        "input": [_message(m.to_dict()) for m in request.input],
        "tools": [tool.to_dict() for tool in request.tools],
        "tool_choice": tool_choice_to_dict(request.tool_choice),
        "config": config,
        "epoch": epoch,
        "scopes": dict(scopes),
        "args": dict(model_args or {}),
    }


def _config_part(config: Any) -> Dict[str, Any]:
    """The config's fields that change the answer, as ``to_dict`` writes them (set ones)."""
    global _KEYED
    if _KEYED is None:
        import attrs

        _KEYED = tuple(f.name for f in attrs.fields(type(config)) if f.name not in IGNORED_CONFIG)
    part: Dict[str, Any] = {}
    for name in _KEYED:
        value = getattr(config, name)
        if value is not None:
            part[name] = value if type(value) in _PLAIN else unstructure(value)
    return part


_KEYED: Optional[Tuple[str, ...]] = None
_PLAIN = frozenset({str, int, float, bool})


def request_key(document: Mapping[str, Any]) -> bytes:
    """The 32-byte sha256 of ``document`` as canonical JSON.

    Raises:
        TypeError: the document holds a value JSON cannot order (mixed key types).
    """
    return hashlib.sha256(_CANONICAL.encode(document).encode("utf-8")).digest()


def _message(data: Dict[str, Any]) -> Dict[str, Any]:
    # ``source``, ``id`` and ``metadata`` describe a message for its owner;
    # none is ever sent to an API, so none changes the answer.
    for key in ("source", "id", "metadata"):
        data.pop(key, None)
    return data


def _fallback(value: Any) -> Any:
    """Non-JSON values (a tool parameter's default, say) by type and repr."""
    return {"__repr__": f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"}


_CANONICAL = json.JSONEncoder(  # made once: json.dumps with options builds one per call
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_fallback
)


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
    environ = os.environ
    configured = environ.get("MODELKIT_CACHE_DIR")
    memo_key: Tuple[Optional[str], ...] = (
        (model, configured)
        if configured
        else (
            model,
            None,
            environ.get("XDG_CACHE_HOME"),
            environ.get("HOME"),
            environ.get("LOCALAPPDATA"),
            environ.get("USERPROFILE"),
        )
    )
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
