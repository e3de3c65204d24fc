"""Usage limits (Inspect's ``token_limit`` and ``cost_limit``): what owns them.

``_limit`` holds the limits, the context-variable trees they nest in, and
``suspend_token_limit`` / ``apply_limits``; ``_token`` the token limit,
``TokenLimit`` and its helpers, metering through ``_formula`` (``type=``
keywords and safely parsed arithmetic formulas); ``_observer`` the engine
observer that refuses a request once a limit is reached and counts each
response (installed only while a limit is entered); ``_threads`` the
wrapping of ``Thread.start`` and ``ThreadPoolExecutor.submit`` that
carries a block's limits into the threads it starts (installed when the
first limit is entered); ``_shared`` the counts a named limit shares, in
this process or in Redis (``$MODELKIT_LIMITS_URL``). This package imports the engine's ``observe``
seam, ``errors`` and ``output``; the engine never imports it. Nothing here
is imported by ``import modelkit`` until a limit is used.
"""

from __future__ import annotations

from ..errors import LimitExceededError
from ._limit import Limit, LimitScope, apply_limits, cost_limit, suspend_token_limit
from ._token import TokenLimit, parse_token_limit, token_limit, token_limit_usage

__all__ = [
    "Limit",
    "LimitExceededError",
    "LimitScope",
    "TokenLimit",
    "apply_limits",
    "cost_limit",
    "parse_token_limit",
    "suspend_token_limit",
    "token_limit",
    "token_limit_usage",
]
