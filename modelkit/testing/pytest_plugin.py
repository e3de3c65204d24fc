"""The pytest plugin: a ``modelkit_cassette`` fixture and a ``--modelkit-record`` option.

pytest loads it through the ``pytest11`` entry point ``modelkit``
(setup.cfg) wherever modelkit is installed; ``import modelkit`` never
imports it. A test that takes the fixture runs inside a cassette named
after it, ``cassettes/<module>/<test>.json`` beside the test file (a test
in a class is ``<Class>.<test>``; characters a file name cannot hold become
``_``), in mode ``"once"``: recorded on the first run, replayed after.
``pytest --modelkit-record`` records every such cassette anew. The fixture
gives the ``Cassette`` (its ``path``, and ``recording``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:
    from ._cassette import Cassette

__all__ = ["cassette_path", "modelkit_cassette", "pytest_addoption"]

_UNSAFE = re.compile(r"[^\w.\-\[\]]+")


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("modelkit", "modelkit cassettes")
    group.addoption(
        "--modelkit-record",
        action="store_true",
        default=False,
        help="record every modelkit_cassette anew (mode 'record'), calling the real APIs",
    )


def cassette_path(node: Any) -> Path:
    """``cassettes/<module>/<test>.json`` beside the file of test item ``node``."""
    test_file = Path(str(node.path if hasattr(node, "path") else node.fspath))
    name = node.name
    if getattr(node, "cls", None) is not None:
        name = f"{node.cls.__name__}.{name}"
    safe = _UNSAFE.sub("_", name).strip(".") or "test"
    return test_file.parent / "cassettes" / test_file.stem / f"{safe}.json"


@pytest.fixture
def modelkit_cassette(request: Any) -> Iterator[Cassette]:
    """Record this test's model calls once, and replay them on later runs."""
    from ._cassette import Cassette

    mode = "record" if request.config.getoption("modelkit_record") else "once"
    with Cassette(cassette_path(request.node), mode) as active:
        yield active
