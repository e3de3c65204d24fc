"""``get_model``'s memo and name resolution: which model a call means, and its memo key.

``get_model`` (in ``model``) asks here which ``provider/model`` a call
names (a role bound by ``$MODELKIT_MODEL_<ROLE>``, the argument, the
default, ``$MODELKIT_MODEL``, ``$INSPECT_EVAL_MODEL``), the key the memo
keeps it under (every argument; the API key only as a hash; arguments that
are not plain values by identity) and the memoized model itself. The memo's
lock is made anew in a forked child, so a lock a parent thread held at the
fork never blocks the child.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar, cast

from .config import GenerateConfig
from .errors import ConfigError

__all__ = ["forget", "memo_key", "memoized", "role_model", "spec_from_env", "split_spec"]

_MODEL_VARS = ("MODELKIT_MODEL", "INSPECT_EVAL_MODEL")

M = TypeVar("M")

_memo: Dict[str, Any] = {}
_memo_lock = threading.Lock()


def role_model(role: str, required: bool, has_default: bool) -> Optional[str]:
    """The model ``$MODELKIT_MODEL_<ROLE>`` binds ``role`` to, or ``None``.

    Raises:
        ConfigError: ``required``, the role is not bound and there is no default.
    """
    bound = os.environ.get(_role_var(role)) or None
    if bound is None and required and not has_default:
        raise ConfigError(
            f"model role {role!r} is required and not bound: set "
            f"${_role_var(role)}=provider/model or pass default=..."
        )
    return bound


def _role_var(role: str) -> str:
    """``MODELKIT_MODEL_<ROLE>``: the role upper-cased, other characters as ``_``."""
    return "MODELKIT_MODEL_" + "".join(c if c.isalnum() else "_" for c in role.upper())


def spec_from_env() -> str:
    """``$MODELKIT_MODEL``, else ``$INSPECT_EVAL_MODEL`` (``ConfigError`` when neither is set)."""
    for var in _MODEL_VARS:
        value = os.environ.get(var)
        if value:
            return value
    raise ConfigError(
        "no model given: pass get_model('provider/model') or set $MODELKIT_MODEL "
        "(e.g. MODELKIT_MODEL=openai/gpt-4o)"
    )


def split_spec(spec: str) -> Tuple[str, str]:
    """``"provider/model"`` as ``(provider, model)`` (``ConfigError`` when malformed)."""
    provider, sep, name = spec.partition("/")
    if not sep or not provider or not name:
        raise ConfigError(
            f"model {spec!r} is not of the form 'provider/model' (e.g. 'openai/gpt-4o', "
            f"'mockllm/model')"
        )
    return provider, name


def memo_key(
    spec: str,
    config: GenerateConfig,
    base_url: Optional[str],
    api_key: Optional[str],
    model_args: Dict[str, Any],
) -> str:
    """The memo's key for these ``get_model`` arguments (the API key only hashed)."""
    import hashlib  # lazily: loading OpenSSL costs ~10 ms at cold start

    key_hash = hashlib.sha256(api_key.encode()).hexdigest() if api_key else None
    args = {name: _arg_key(value) for name, value in model_args.items()}
    return json.dumps([spec, config.to_dict(), base_url, key_hash, args], sort_keys=True)


def _arg_key(value: Any) -> Any:
    """Plain values key the memo by value; anything else (a list, an iterator,
    a callable) by identity, so two scripts that happen to be equal never
    share one model's state."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return f"<{type(value).__name__} at {id(value):#x}>"


def memoized(key: str, build: Callable[[], M], model_args: Dict[str, Any]) -> M:
    """The model kept under ``key``, made by ``build()`` and kept when there is none."""
    with _memo_lock:
        found: Any = _memo.get(key)
        if found is None:
            made: Any = build()
            made._memo_key = key
            made._memo_args = model_args  # keeps identity-keyed arguments alive
            _memo[key] = found = made
        return cast(M, found)


def forget(model: Any) -> None:
    """Drop ``model`` from the memo (a later ``get_model`` makes a new one)."""
    with _memo_lock:
        key = model._memo_key
        if key is not None and _memo.get(key) is model:
            del _memo[key]
        model._memo_key = None


def _after_fork_in_child() -> None:
    """A lock a parent thread held at the fork would stay held in the child forever."""
    global _memo_lock
    _memo_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
