"""Looking a request up in the response cache, and storing its answer.

``fetch`` and ``store`` are the two seams ``Model.generate`` calls. The key
is a sha256 over a canonical JSON of everything that changes the answer
(``_key``); entries live in one sqlite3 database per model under
``cache_path`` (``_store``). The cache never fails a call: when it cannot
work it warns or logs, and the call goes to the API.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Tuple

from ..errors import CacheError
from ..output import ModelOutput
from . import _store
from ._key import DB_NAME, cache_path, key_document, request_key
from ._policy import CachePolicy, current_epoch

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI

__all__ = ["fetch", "store"]

logger = logging.getLogger("modelkit")


def fetch(api: ModelAPI, request: GenerateRequest, policy: CachePolicy) -> Optional[ModelOutput]:
    """The cached output for ``request`` (marked ``cached=True``), or ``None``."""
    located = _locate(api, request, policy)
    if located is None:
        return None
    db, key = located
    try:
        data = _store.get(db, key)
    except CacheError as exc:
        logger.warning("response cache lookup failed, calling the API: %s", exc)
        return None
    if data is None:
        logger.debug("cache miss: %s/%s key=%s", api.provider, api.model_name, key.hex()[:16])
        return None
    try:
        output = ModelOutput.from_dict(json.loads(data))
    except (ValueError, TypeError, KeyError) as exc:
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
    if located is None:
        return
    db, key = located
    try:
        data = json.dumps(output.to_dict(), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        logger.warning("output not cached: it does not serialise to JSON: %s", exc)
        return
    try:
        _store.put(db, key, data.encode("utf-8"), policy.expiry_seconds)
    except CacheError as exc:
        logger.warning("output not cached: %s", exc)


def _locate(
    api: ModelAPI, request: GenerateRequest, policy: CachePolicy
) -> Optional[Tuple[Path, bytes]]:
    epoch = current_epoch() if policy.per_epoch else None
    document = key_document(
        api.provider, api.model_name, api.base_url, request, epoch, policy.scopes
    )
    try:
        key = request_key(document)
    except (TypeError, ValueError) as exc:
        logger.warning("request not cacheable: %s", exc)
        return None
    return cache_path(f"{api.provider}/{api.model_name}") / DB_NAME, key
