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
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, cast

from .config import GenerateConfig
from .errors import ConfigError

__all__ = [
    "bound_roles",
    "forget",
    "memo_key",
    "memoized",
    "note_role",
    "noted_roles",
    "role_model",
    "spec_from_env",
    "split_spec",
]

_MODEL_VARS = ("MODELKIT_MODEL", "INSPECT_EVAL_MODEL")

M = TypeVar("M")

_memo: Dict[str, Any] = {}
_memo_lock = threading.Lock()


_ROLE_PREFIX = "MODELKIT_MODEL_"
_NOT_ROLES = frozenset({"MODELKIT_MODEL_INFO"})  # other settings that share the prefix
_noted: Dict[str, Any] = {}
_noted_lock = threading.Lock()


def role_specs(value: str) -> List[str]:
    """The model specs a role variable binds: one, or several separated by commas."""
    return [part.strip() for part in value.split(",") if part.strip()]


def role_model(role: str, required: bool, has_default: bool) -> Optional[str]:
    """The model ``$MODELKIT_MODEL_<ROLE>`` binds ``role`` to (the first of a list), or ``None``.

    Raises:
        ConfigError: ``required``, the role is not bound and there is no default.
    """
    specs = role_specs(os.environ.get(_role_var(role)) or "")
    bound = specs[0] if specs else None
    if bound is None and required and not has_default:
        raise ConfigError(
            f"model role {role!r} is required and not bound: set "
            f"${_role_var(role)}=provider/model or pass default=..."
        )
    return bound


def _role_var(role: str) -> str:
    """``MODELKIT_MODEL_<ROLE>``: the role upper-cased, other characters as ``_``."""
    return _ROLE_PREFIX + "".join(c if c.isalnum() else "_" for c in role.upper())


def note_role(role: str, model: Any) -> None:
    """Remember that ``get_model(role=role)`` gave ``model`` (for ``model_roles()``)."""
    with _noted_lock:
        _noted[role] = model


def noted_roles() -> Dict[str, Any]:
    """The roles ``get_model(role=...)`` resolved in this process, and their models."""
    with _noted_lock:
        return dict(_noted)


def bound_roles(noted: Dict[str, Any]) -> Dict[str, List[str]]:
    """The roles bound by ``$MODELKIT_MODEL_<ROLE>`` variables, each with its specs.

    A role already in ``noted`` keeps its own spelling (``my-role`` for
    ``MODELKIT_MODEL_MY_ROLE``); the others are the variable's suffix in
    lower case. A value that is not ``provider/model`` (a path, say) is skipped.
    """
    spelled = {_role_var(role): role for role in noted}
    out: Dict[str, List[str]] = {}
    for var, value in sorted(os.environ.items()):
        if not var.startswith(_ROLE_PREFIX) or var == _ROLE_PREFIX or var in _NOT_ROLES:
            continue
        specs = role_specs(value)
        if specs and all(_looks_like_spec(spec) for spec in specs):
            out[spelled.get(var, var[len(_ROLE_PREFIX) :].lower())] = specs
    return out


def _looks_like_spec(spec: str) -> bool:
    provider, sep, name = spec.partition("/")
    return bool(sep and provider and name) and all(c.isalnum() or c in "-_." for c in provider)


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
    global _memo_lock, _noted_lock
    _memo_lock = threading.Lock()
    _noted_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
