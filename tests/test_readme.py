"""The README tells the truth about providers and their environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelkit.api import BUILTIN_PROVIDERS, resolve_provider

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _row(provider: str) -> str:
    for line in README.splitlines():
        if line.startswith((f"| `{provider}`", f"| `{provider}/")):
            return line
    raise AssertionError(f"no row for {provider!r} in the README's provider table")


@pytest.mark.parametrize("provider", sorted(BUILTIN_PROVIDERS))
def test_every_provider_has_a_row_naming_its_variables(provider: str) -> None:
    row = _row(provider)
    for variable in resolve_provider(provider).env_vars:
        assert f"`{variable}`" in row, f"{variable} missing from the {provider} row"


def test_the_two_fresh_machine_commands_are_shown() -> None:
    assert "make demo" in README and "make test" in README
