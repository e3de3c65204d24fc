"""Looking a request up in the response cache, and storing its answer.

``key_for`` computes a request's key once; ``fetch_key``, ``store_key`` and
``abandon_key`` then use it: ``Model.stream`` within one call, provider
batches from submit to collect (their handle carries the keys, as hex).
``Model.generate`` uses the same steps on the key's bytes (``locate``,
``fetch``, ``store``, ``abandon``). The key is a sha256 over a canonical JSON of everything that changes
the answer (``_key``); entries live in one sqlite3 database per model under
``cache_path`` (``_store``), or on the Redis server named by
``$MODELKIT_CACHE_URL`` (``_backend``). ``abandon_key`` gives up a Redis
claim when the call that claimed it failed. The cache never fails a call:
when it cannot work it warns or logs, and the call goes to the API.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Optional

from .._engine import observe
from .._json import loads as strict_json
from .._serde import _builders, _current  # ModelOutput.from_dict's builder, called directly
from .._wellformed import PARSE_ERRORS, check_output
from ..api import ModelAPI
from ..errors import CacheError
from ..output import ModelOutput
from . import _backend, _store
from ._key import db_path, key_document, request_key
from ._policy import CachePolicy, _epoch

if TYPE_CHECKING:
    from .._prepare import GenerateRequest

__all__ = [
    "abandon",
    "abandon_key",
    "fetch",
    "fetch_key",
    "key_for",
    "locate",
    "store",
    "store_key",
]

logger = logging.getLogger("modelkit")
_CACHE_ARGS = ModelAPI.cache_args


def key_for(api: ModelAPI, request: GenerateRequest, policy: CachePolicy) -> Optional[str]:
    """The cache key of ``request`` as hex text (``None``: not cacheable)."""
    key = locate(api, request, policy)
    return None if key is None else key.hex()


def fetch_key(api: ModelAPI, key: str, claim_miss: bool = False) -> Optional[ModelOutput]:
    """The cached output stored under ``key`` (from :func:`key_for`), or ``None``.

    Args:
        api: the model's API.
        key: the request's key.
        claim_miss: the lookup starts a call: on a Redis miss, claim the key
            (or wait for whoever has, see ``_redis``); ``False`` is a mere look.
    """
    return fetch(api, bytes.fromhex(key), claim_miss)


def store_key(api: ModelAPI, key: str, expiry_seconds: Optional[int], output: ModelOutput) -> None:
    """Keep ``output`` under ``key`` (from :func:`key_for`) for ``expiry_seconds``."""
    store(api, bytes.fromhex(key), expiry_seconds, output)


def fetch(api: ModelAPI, key: bytes, claim_miss: bool = False) -> Optional[ModelOutput]:
    """:func:`fetch_key` of the key's bytes (from :func:`locate`)."""
    shared = _backend.shared()
    try:
        model = f"{api.provider}/{api.model_name}"  # _model(api)
        if shared is None:
            data = _store.get(db_path(model), key)
        else:
            data = shared.get(model, key, claim_miss)
    except CacheError as exc:
        logger.warning("response cache lookup failed, calling the API: %s", exc)
        return None
    if data is None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("cache miss: %s/%s key=%s", api.provider, api.model_name, key.hex()[:16])
        return None
    try:  # a corrupt, tampered or hostile entry is a miss, never a failed call
        output: ModelOutput = (_builders.get(ModelOutput) or _current(ModelOutput))(
            strict_json(data)
        )
        check_output(output)
    except PARSE_ERRORS as exc:
        logger.warning("response cache entry %s unreadable, calling the API: %s", key.hex(), exc)
        return None
    output.cached = True
    if output.usage is not None:
        output.usage.total_cost = 0.0  # answered from the cache: nothing was billed
    if claim_miss and observe.observers:  # a call answered from the cache: hooks, limits
        observe.cache_hit(api, output)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("cache hit: %s/%s key=%s", api.provider, api.model_name, key.hex()[:16])
    return output


def store(api: ModelAPI, key: bytes, expiry_seconds: Optional[int], output: ModelOutput) -> None:
    """Keep ``output`` under ``key`` (from :func:`locate`); a refusal or an error is never kept.

    A refusal (a choice stopped by ``content_filter``) or an output carrying
    an ``error`` is not stored, as in Inspect: asking again may well succeed.
    Not storing gives up any Redis claim on ``key`` so waiters call the API.
    """
    shared = _backend.shared()
    data: Optional[str] = None
    if output.error is not None or any(
        choice.stop_reason == "content_filter" for choice in output.choices
    ):
        logger.debug("output not cached: a refusal or an error")
    else:
        try:
            data = json.dumps(output.to_dict(), ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError) as exc:
            logger.warning("output not cached: it does not serialise to JSON: %s", exc)
    if data is None:
        if shared is not None:
            shared.release(_model(api), key)
        return
    if shared is not None:
        shared.put(_model(api), key, data.encode("utf-8"), expiry_seconds)
        return
    try:
        _store.put(db_path(_model(api)), key, data.encode("utf-8"), expiry_seconds)
    except CacheError as exc:
        logger.warning("output not cached: %s", exc)


def abandon_key(api: ModelAPI, key: str) -> None:
    """The call for ``key`` failed: let others waiting on its entry call the API."""
    abandon(api, bytes.fromhex(key))


def abandon(api: ModelAPI, key: bytes) -> None:
    """:func:`abandon_key` of the key's bytes (from :func:`locate`)."""
    shared = _backend.shared()
    if shared is not None:
        shared.release(_model(api), key)


def _model(api: ModelAPI) -> str:
    return f"{api.provider}/{api.model_name}"


def locate(api: ModelAPI, request: GenerateRequest, policy: CachePolicy) -> Optional[bytes]:
    """The cache key of ``request`` (``None``: not cacheable, logged)."""
    epoch = _epoch.get() if policy.per_epoch else None  # current_epoch(), without the call
    arguments = api.model_args
    if arguments or type(api).cache_args is not _CACHE_ARGS:
        arguments = api.cache_args()
    document = key_document(
        api.provider, api.model_name, api.base_url, request, epoch, policy.scopes, arguments
    )
    try:
        key = request_key(document)
    except (TypeError, ValueError) as exc:
        logger.warning("request not cacheable: %s", exc)
        return None
    return key
