"""Compaction: keeping a long conversation inside the model's context window, as Inspect does.

``compaction(strategy, prefix, tools=, model=)`` returns a ``Compact``
handler: give ``compact_input`` the whole history before each generation
and send what it returns; give ``record_output`` each output, so the
token count the next decision reads is the API's own. Strategies:
``CompactionTrim`` (drop the oldest turns), ``CompactionEdit`` (clear old
tool results and reasoning), ``CompactionSummary`` (the model summarises
the conversation so far), ``CompactionNative`` (the provider's own
server-side compaction, ``Model.compact``) and ``CompactionAuto`` (native
where the provider has it, else summary). Synchronous: Inspect's
``await handler.compact_input(...)`` is ``handler.compact_input(...)``.

Imports ``messages``, ``output``, ``_history``, ``info`` and ``_engine``
(layer by layer below it); a ``Model`` is taken as an argument, never
imported from ``model``.
"""

from __future__ import annotations

from ._auto import CompactionAuto
from ._edit import CompactionEdit
from ._handler import compaction
from ._native import CompactionNative
from ._summary import CompactionSummary
from ._trim import CompactionTrim
from ._types import Compact, CompactionResult, CompactionStrategy

__all__ = [
    "Compact",
    "CompactionAuto",
    "CompactionEdit",
    "CompactionNative",
    "CompactionResult",
    "CompactionStrategy",
    "CompactionSummary",
    "CompactionTrim",
    "compaction",
]
