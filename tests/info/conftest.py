"""Every test starts from the bundled table, with no registrations or user file."""

from __future__ import annotations

from typing import Iterator

import pytest

from modelkit.info import clear_model_info_cache


@pytest.fixture(autouse=True)
def fresh_model_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MODELKIT_MODEL_INFO", raising=False)
    clear_model_info_cache()
    yield
    clear_model_info_cache()
