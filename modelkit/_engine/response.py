"""``HttpResponse``: a response read in full, as providers see it."""

from __future__ import annotations

import json
from typing import Any, Dict

from .._json import loads as strict_loads
from .._record import Record
from .._redact import Scrubber

__all__ = ["HttpResponse"]


class HttpResponse(Record):
    """A response read in full: status, lower-cased headers, raw body, time."""

    __slots__ = ("content", "elapsed", "headers", "status")

    status: int
    headers: Dict[str, str]
    content: bytes
    elapsed: float

    def __init__(
        self, status: int, headers: Dict[str, str], content: bytes, elapsed: float
    ) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self.elapsed = elapsed

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not, or is hostile: ``_json``)."""
        return strict_loads(self.content)

    @property
    def text(self) -> str:
        """The body as text, undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def scrub(self, scrubber: Scrubber) -> HttpResponse:
        """This response with the request's credentials replaced in its body and headers.

        An error response's JSON body is also checked after parsing (a
        secret escaped in a way the byte-level pass does not know) and
        rewritten if needed. A response with nothing to replace is returned
        as it is.
        """
        if not scrubber:
            return self
        content = scrubber.bytes(self.content)
        if self.status >= 300:
            try:
                parsed = json.loads(content.decode("utf-8"))
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, (dict, list, str)):
                clean = scrubber.value(parsed)
                if clean is not parsed:
                    content = json.dumps(clean).encode("utf-8")
        headers = scrubber.headers(self.headers)
        if content is self.content and headers == self.headers:
            return self
        return self.replace(headers=headers, content=content)
