"""``ModelRequestId``, built when a response first carries a request id.

Exported by ``modelkit._response_headers`` (its ``__module__``, where it is
pickled from and documented) on first use: a first call whose response
has no ``x-request-id`` (or the like) never builds the class (issue 24,
cold start).
"""

from __future__ import annotations

import attrs

from ._serde import Serializable

__all__ = ["ModelRequestId"]


@attrs.define
class ModelRequestId(Serializable):
    """A provider's request id, read from an HTTP response (Inspect's type).

    Args:
        id: the request id.
        header: the response header it came from (e.g. ``x-request-id``).
        status: the HTTP status of the response.
    """

    __module__ = "modelkit._response_headers"

    id: str
    header: str
    status: int
