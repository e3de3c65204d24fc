"""Looking a request up in the response cache, and storing its answer.

``fetch`` and ``store`` are the two seams ``Model.generate`` calls;
``key_for``, ``fetch_key`` and ``store_key`` do the same in two steps for
provider batches, whose handle carries each request's key from submit to
collect. The key
is a sha256 over a canonical JSON of everything that changes the answer
(``_key``); entries live in one sqlite3 database per model under
``cache_path`` (``_store``), or on the Redis server named by
``$MODELKIT_CACHE_URL`` (``_backend``). ``abandon`` gives up a Redis claim
when the call that claimed it failed. The cache never fails a call: when it
cannot work it warns or logs, and the call goes to the API.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Tuple

from .._json import loads as strict_json
from .._wellformed import PARSE_ERRORS, check_output
from ..errors import CacheError
from ..output import ModelOutput
from . import _backend, _store
from ._key import DB_NAME, cache_path, key_document, request_key
from ._policy import CachePolicy, current_epoch

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI

__all__ = ["abandon", "fetch", "fetch_key", "key_for", "store", "store_key"]

logger = logging.getLogger("modelkit")


def fetch(api: ModelAPI, request: GenerateRequest, policy: CachePolicy) -> Optional[ModelOutput]:
    """The cached output for ``request`` (marked ``cached=True``), or ``None``."""
    located = _locate(api, request, policy)
    if located is None:
        return None
    return _fetch(api, *located)


def key_for(api: ModelAPI, request: GenerateRequest, policy: CachePolicy) -> Optional[str]:
    """The cache key of ``request`` as hex text (``None``: not cacheable)."""
    located = _locate(api, request, policy)
    return None if located is None else located[1].hex()


def fetch_key(api: ModelAPI, key: str) -> Optional[ModelOutput]:
    """The cached output stored under ``key`` (from :func:`key_for`), or ``None``."""
    # A look, not the start of a call: no claim on the Redis cache (see _redis).
    return _fetch(api, cache_path(_model(api)) / DB_NAME, bytes.fromhex(key), claim_miss=False)


def store_key(api: ModelAPI, key: str, expiry_seconds: Optional[int], output: ModelOutput) -> None:
    """Keep ``output`` under ``key`` (from :func:`key_for`) for ``expiry_seconds``."""
    _store_at(api, cache_path(_model(api)) / DB_NAME, bytes.fromhex(key), expiry_seconds, output)


def _fetch(api: ModelAPI, db: Path, key: bytes, claim_miss: bool = True) -> Optional[ModelOutput]:
    shared = _backend.shared()
    try:
        if shared is None:
            data = _store.get(db, key)
        else:
            data = shared.get(_model(api), key, claim_miss)
    except CacheError as exc:
        logger.warning("response cache lookup failed, calling the API: %s", exc)
        return None
    if data is None:
        logger.debug("cache miss: %s/%s key=%s", api.provider, api.model_name, key.hex()[:16])
        return None
    try:  # a corrupt, tampered or hostile entry is a miss, never a failed call
        output = ModelOutput.from_dict(strict_json(data))
        check_output(output)
    except PARSE_ERRORS as exc:
        logger.warning("response cache entry %s unreadable, calling the API: %s", key.hex(), exc)
        return None
    output.cached = True
    logger.debug("cache hit: %s/%s key=%s", api.provider, api.model_name, key.hex()[:16])
    return output


def store(
    api: ModelAPI, request: GenerateRequest, policy: CachePolicy, output: ModelOutput
) -> None:
    """Keep ``output`` as the answer to ``request`` until the policy's expiry."""
    located = _locate(api, request, policy)
    if located is not None:
        _store_at(api, *located, policy.expiry_seconds, output)


def _store_at(
    api: ModelAPI, db: Path, key: bytes, expiry_seconds: Optional[int], output: ModelOutput
) -> None:
    """Keep ``output`` under ``key``; a refusal or an error is never kept.

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
        _store.put(db, key, data.encode("utf-8"), expiry_seconds)
    except CacheError as exc:
        logger.warning("output not cached: %s", exc)


def abandon(api: ModelAPI, request: GenerateRequest, policy: CachePolicy) -> None:
    """The call for ``request`` failed: let others waiting on its entry call the API."""
    shared = _backend.shared()
    if shared is None:
        return
    located = _locate(api, request, policy)
    if located is not None:
        shared.release(_model(api), located[1])


def _model(api: ModelAPI) -> str:
    return f"{api.provider}/{api.model_name}"


def _locate(
    api: ModelAPI, request: GenerateRequest, policy: CachePolicy
) -> Optional[Tuple[Path, bytes]]:
    epoch = current_epoch() if policy.per_epoch else None
    document = key_document(
        api.provider, api.model_name, api.base_url, request, epoch, policy.scopes, api.cache_args()
    )
    try:
        key = request_key(document)
    except (TypeError, ValueError) as exc:
        logger.warning("request not cacheable: %s", exc)
        return None
    return cache_path(_model(api)) / DB_NAME, key
