"""Config fields a provider cannot honour: never dropped silently.

``OPTIONAL_FIELDS`` are the ``GenerateConfig`` fields only some APIs have
(sampling settings such as ``seed``, ``logit_bias`` or ``top_k`` among
them: Anthropic has no ``seed``, OpenAI no ``top_k``).
Each built-in provider lists those it honours (``ModelAPI.config_fields``);
``check_supported`` runs on every prepared request and, for a field that is
set but not honoured, warns once per provider and field (``ConfigWarning``)
or, where ignoring it would change the answer itself (``modalities``: the
images asked for would never come), raises ``ConfigError``. The engine-level
fields (``attempt_timeout``, ``adaptive_connections``, ``fallback_models``,
``fail_on_refusal``, ``cache``) work with every provider and are not listed.
"""

from __future__ import annotations

import threading
import warnings
from typing import Dict, FrozenSet, Set, Tuple

from .api import ModelAPI
from .config import GenerateConfig
from .errors import ConfigError, ConfigWarning

__all__ = ["ANSWER_CHANGING", "OPTIONAL_FIELDS", "check_supported", "warn_once"]

OPTIONAL_FIELDS: Tuple[str, ...] = (
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "best_of",
    "logprobs",
    "top_logprobs",
    "top_k",
    "verbosity",
    "effort",
    "reasoning_mode",
    "reasoning_tokens",
    "reasoning_summary",
    "prompt_logprobs",
    "modalities",
    "extra_headers",
    "extra_body",
    "response_schema",
)

ANSWER_CHANGING: FrozenSet[str] = frozenset({"modalities", "response_schema"})
"""Fields whose absence changes the answer's content: a ``ConfigError``, not a warning."""

_warned: Set[Tuple[str, ...]] = set()
_warned_lock = threading.Lock()


def warn_once(key: Tuple[str, ...], message: str, stacklevel: int) -> None:
    """A ``ConfigWarning`` with ``message``, the first time ``key`` is seen in this process.

    Args:
        key: what makes a warning the same one (e.g. provider and field).
        message: the warning's text.
        stacklevel: as ``warnings.warn``'s, counted from the caller of this function.
    """
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(message, ConfigWarning, stacklevel=stacklevel + 1)


def check_supported(api: ModelAPI, config: GenerateConfig) -> None:
    """Warn once (or raise) for each set field of ``OPTIONAL_FIELDS`` ``api`` cannot honour.

    Raises:
        ConfigError: an unhonoured field in ``ANSWER_CHANGING``.
    """
    honoured = api.config_fields()
    if honoured is None:
        return
    if type(honoured) is not frozenset:  # (a third-party provider's set or list)
        honoured = frozenset(honoured)
    names = _unhonoured.get(honoured)
    if names is None:
        names = _unhonoured_fields(honoured)
    for name in names:
        value = getattr(config, name)
        if value is None or value is False:  # (False asks for nothing)
            continue
        provider = api.provider or type(api).__name__
        if name in ANSWER_CHANGING:
            raise ConfigError(
                f"{provider}/{api.model_name} cannot honour {name}={getattr(config, name)!r}; "
                "use a provider that can (see the provider docs) or leave it unset"
            )
        warn_once(
            (provider, name),
            f"{provider} does not support GenerateConfig.{name}; it is ignored",
            stacklevel=4,
        )


_unhonoured: Dict[FrozenSet[str], Tuple[str, ...]] = {}
"""``OPTIONAL_FIELDS`` outside each set of honoured fields seen: what a call checks."""


def _unhonoured_fields(honoured: FrozenSet[str]) -> Tuple[str, ...]:
    """The fields of ``OPTIONAL_FIELDS`` not in ``honoured``, in order (remembered)."""
    names = tuple(name for name in OPTIONAL_FIELDS if name not in honoured)
    if len(_unhonoured) >= 64:  # (a provider whose fields keep changing: a bounded memo)
        _unhonoured.clear()
    _unhonoured[honoured] = names
    return names
