"""``scripts/check_model_info.py``: the bundled file passes; bad shapes and stale prices fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, List

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_model_info.py"
COST = {"input": 1, "output": 2, "input_cache_write": 1, "input_cache_read": 0.1}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def write(tmp_path: Path, models: Any, date: str = "2026-12-01") -> str:
    path = tmp_path / "table.json"
    path.write_text(json.dumps({"date": date, "models": models}))
    return str(path)


def test_the_bundled_file_has_the_right_shape() -> None:
    result = run("--max-age", "100000")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 errors, 0 stale" in result.stdout


def test_a_price_without_its_source_or_read_date_is_an_error(tmp_path: Path) -> None:
    models = {
        "a/no-source": {"cost": dict(COST, read="2026-12-01")},
        "a/no-date": {"cost": dict(COST, source="https://example.com/pricing")},
        "a/future": {"cost": dict(COST, source="https://example.com/p", read="2027-01-01")},
        "a/typo": {"context_lenght": 5},
    }
    result = run(write(tmp_path, models), "--today", "2026-12-02")
    assert result.returncode == 1
    errors: List[str] = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    assert "a/no-source" in errors[0] and "https URL" in errors[0]
    assert "a/no-date" in errors[1] and "a/future" in errors[2] and "context_lenght" in errors[3]


def test_stale_prices_are_reported_and_fail_only_when_asked(tmp_path: Path) -> None:
    models = {"a/old": {"cost": dict(COST, source="https://example.com/p", read="2026-01-01")}}
    path = write(tmp_path, models)
    quiet = run(path, "--today", "2026-12-02", "--max-age", "30")
    assert (
        quiet.returncode == 0
        and "stale: a/old: price read 2026-01-01 (335 days ago)" in quiet.stdout
    )
    strict = run(path, "--today", "2026-12-02", "--max-age", "30", "--fail-stale")
    assert strict.returncode == 1
    fresh = run(path, "--today", "2026-01-10", "--max-age", "30", "--fail-stale")
    assert fresh.returncode == 0


def test_docs_state_the_table_date() -> None:
    from modelkit.info import PRICES_DATE

    docs = (ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
    assert f"(**{PRICES_DATE}**)" in docs and f"Priced on {PRICES_DATE}" in docs


def test_a_providers_section_is_checked_and_prices_must_come_from_the_providers_own_pages(
    tmp_path: Path,
) -> None:
    priced = dict(COST, read="2026-12-01")
    data = {
        "date": "2026-12-01",
        "providers": {
            "acme": {"pricing": "https://acme.example/pricing", "domains": ["acme.example"]},
            "mine": {"local": True},
            "nopage": {"domains": ["nopage.example"]},
        },
        "models": {
            "acme/own": {"cost": dict(priced, source="https://docs.acme.example/models/own")},
            "acme/copied": {"cost": dict(priced, source="https://aggregator.example/acme/own")},
            "mine/served": {"cost": dict(priced, source="https://acme.example/pricing")},
            "other/unlisted": {"context_length": 5},
        },
    }
    path = tmp_path / "table.json"
    path.write_text(json.dumps(data))
    result = run(str(path), "--today", "2026-12-02")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 4, result.stdout
    assert "providers['nopage'].pricing" in errors[0]
    assert "acme/copied" in errors[1] and "not one of 'acme'" in errors[1]
    assert "mine/served" in errors[2] and "local provider has no price page" in errors[2]
    assert "other/unlisted" in errors[3] and "not in 'providers'" in errors[3]
    assert ", 3 providers," in result.stdout
