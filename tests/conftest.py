"""Shared fixtures: a clean environment for every test.

Every test runs without API keys or AWS settings from the machine, with
the response cache under its own temporary directory and with
``get_model``'s memo emptied, so no test depends on another or on the host.

The suite also runs as if started from a terminal's foreground: a shell
that starts a job in the background (or ``nohup``) makes it ignore SIGINT,
and Python then installs no ``KeyboardInterrupt`` handler, in the suite or
in the ``modelkit`` processes it starts (an ignored signal stays ignored
across ``exec``). The Ctrl-C tests need the user's terminal, so
``pytest_configure`` installs Python's handler when SIGINT is ignored.
"""

from __future__ import annotations

import os
import signal
from typing import Iterator, List

import pytest
from loopback import LoopbackServer
from redis_server import RedisServer, missing_reason

_CLEARED_PREFIXES = ("AWS_",)
_CLEARED_SUFFIXES = ("_API_KEY", "_BASE_URL", "_TOKEN")
_CLEARED_NAMES = (
    "MODELKIT_MODEL",
    "INSPECT_EVAL_MODEL",
    "HF_TOKEN",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "MODELKIT_CACHE_URL",
    "MODELKIT_LIMITS_URL",
    "MODELKIT_CACHE_CLAIM_SECONDS",
    "MODELKIT_LEASE_SECONDS",
    "MODELKIT_CASSETTE",
    "MODELKIT_CASSETTE_MODE",
)


def pytest_configure(config: pytest.Config) -> None:
    """Handle SIGINT as a foreground process does (see the module docstring)."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Tests marked ``fleet`` (worker processes, a Dask cluster) run only in
    ``make test-fleet`` (``MODELKIT_FLEET=1``), keeping ``make test`` fast."""
    if os.environ.get("MODELKIT_FLEET") == "1":
        return
    skip = pytest.mark.skip(reason="fleet test: run `make test-fleet` (MODELKIT_FLEET=1)")
    for item in items:
        if item.get_closest_marker("fleet") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> Iterator[None]:
    for name in list(os.environ):
        if (
            name.startswith(_CLEARED_PREFIXES)
            or name.endswith(_CLEARED_SUFFIXES)
            or name in _CLEARED_NAMES
            or name.startswith("AZURE_OPENAI")
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODELKIT_CACHE_DIR", os.path.join(str(tmp_path), "modelkit-cache"))
    monkeypatch.setenv("HOME", os.path.join(str(tmp_path), "home"))
    from modelkit import _models, api

    registered = dict(api._registry)
    with _models._memo_lock:
        _models._memo.clear()
    with _models._noted_lock:  # roles get_model(role=...) resolved (model_roles())
        _models._noted.clear()
    yield
    with _models._memo_lock:
        _models._memo.clear()
    with _models._noted_lock:
        _models._noted.clear()
    with api._registry_lock:  # providers a test registered do not outlive it
        for name in set(api._registry) - set(registered) - set(api.BUILTIN_PROVIDERS):
            del api._registry[name]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real ``redis-server`` on a loopback port for the session (skips if absent)."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The session's Redis server, emptied before each test."""
    client = redis_server.client()
    client.flushall()
    client.close()
    yield redis_server.url


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A scriptable HTTP server on 127.0.0.1 (see ``tests/loopback.py``)."""
    with LoopbackServer() as server:
        yield server
