"""Test helpers for the cache's administration: a settable store clock and filled caches.

``FakeClock`` stands in for ``modelkit.cache._store.clock``; ``model``
makes a ``mockllm`` model that answers ``re: <prompt>``; ``fill`` caches
an answer for each prompt under that model.
"""

from __future__ import annotations

from typing import Any, List

from modelkit import CachePolicy, Model, get_model


class FakeClock:
    """A settable clock for ``_cache_store.clock``."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def model(name: str) -> Model:
    """``mockllm/<name>``, answering each prompt with ``re: <prompt>``."""
    return get_model(f"mockllm/{name}", custom_outputs=lambda input, *_: f"re: {input[-1].text}")


def fill(name: str, prompts: List[str], expiry: Any = "1h") -> Model:
    """Cache an answer for each of ``prompts`` under ``mockllm/<name>``."""
    m = model(name)
    for prompt in prompts:
        m.generate(prompt, cache=CachePolicy(expiry=expiry))
    return m
