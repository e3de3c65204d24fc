"""The OpenTelemetry probe at a cold start: the API is imported only when a provider can be set.

A provider is set through the OpenTelemetry API's ``trace``/``metrics``
modules, or named in ``OTEL_PYTHON_TRACER_PROVIDER`` /
``OTEL_PYTHON_METER_PROVIDER``, which ``get_tracer_provider()`` loads on
first use (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
and opentelemetry-python's ``opentelemetry/trace/__init__.py``). With
neither, the first call leaves the API unimported; a provider named in the
environment still turns spans on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Dict

import pytest

pytest.importorskip("opentelemetry.sdk")

SCRIPT = textwrap.dedent(
    """
    import sys
    import modelkit
    model = modelkit.get_model("mockllm/model")
    model.generate("one")
    from modelkit._engine import observe
    loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
    print("modelkit.hooks.telemetry" in sys.modules, len(observe.observers), bool(loaded))
    """
)


def _run(**env: str) -> str:
    clean: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    clean.pop("MODELKIT_OTEL", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_without_a_provider_the_first_call_imports_no_opentelemetry() -> None:
    assert _run() == "False 0 False"


def test_a_provider_named_in_the_environment_turns_spans_on() -> None:
    assert _run(OTEL_PYTHON_TRACER_PROVIDER="sdk_tracer_provider") == "True 1 True"
