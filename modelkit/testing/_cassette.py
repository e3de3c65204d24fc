"""``cassette()``: record a test's model calls once, replay them offline after.

``with cassette(path, mode="once"):`` (or ``@cassette(path)`` on a
function) sets a ``Tape`` as the engine's tap for the block, so
every HTTP request of every model, stream and batch job in the process,
on any thread, is recorded to or replayed from ``path``. Modes:

- ``"once"``: replay when ``path`` exists, else record it;
- ``"replay"``: replay only; a request with no recorded answer raises
  ``CassetteMismatchError``, and no socket is ever opened;
- ``"record"``: send every request and write ``path`` anew;
- ``"off"``: no cassette in the block (not even one set outside it).

``MODELKIT_CASSETTE`` / ``MODELKIT_CASSETTE_MODE`` apply one cassette to
the whole process (``use_environment``), read when the first HTTP client
is made, never at import. Cassettes nest: the innermost one is in use.
"""

from __future__ import annotations

import atexit
import functools
import os
import threading
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, TypeVar, Union

from .._engine.tap import current_tap, set_tap
from ..errors import ConfigError
from ._file import read_cassette
from ._tape import Tape

__all__ = ["ENV_MODE", "ENV_PATH", "MODES", "Cassette", "cassette", "use_environment"]

MODES = ("once", "replay", "record", "off")
ENV_PATH = "MODELKIT_CASSETTE"
ENV_MODE = "MODELKIT_CASSETTE_MODE"

F = TypeVar("F", bound=Callable[..., Any])


class Cassette:
    """A cassette file and how to use it; a context manager and a decorator.

    Args:
        path: the cassette file (JSON; its folder is made when recording).
        mode: ``"once"``, ``"replay"``, ``"record"`` or ``"off"``.
        timing: record how long each response and stream piece took, and
            replay at that pace (default: replay instantly).

    Attributes:
        recording: in the block, whether requests are sent and recorded
            (else replayed, or passed through with ``"off"``).
        tape: in the block, the interactions (``None`` with ``"off"``).

    Raises:
        ConfigError: an unknown mode, ``"replay"`` of a missing file, or a
            file that is not a cassette this modelkit can read.
    """

    def __init__(
        self, path: Union[str, os.PathLike[str]], mode: str = "once", *, timing: bool = False
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"cassette mode must be one of {', '.join(MODES)}; got {mode!r}")
        self.path = Path(path)
        self.mode = mode
        self.timing = timing
        self.recording = False
        self.tape: Optional[Tape] = None
        self._previous: List[Any] = []

    def __repr__(self) -> str:
        return f"Cassette({str(self.path)!r}, mode={self.mode!r})"

    @property
    def all_played(self) -> bool:
        """Whether every recorded interaction was replayed (``True`` when recording).

        ``assert cassette.all_played`` at the end of a test catches code that
        now makes fewer calls than when the cassette was recorded.
        """
        return self.tape is None or all(self.tape.used)

    def __enter__(self) -> Cassette:
        tape = self._load()
        self.tape = tape
        self.recording = tape is not None and tape.recording
        self._previous.append(set_tap(tape))
        return self

    def __exit__(self, *exc: Any) -> None:
        set_tap(self._previous.pop())
        if self.tape is not None and self.tape.recording:
            self.tape.save()

    def _load(self) -> Optional[Tape]:
        if self.mode == "off":
            return None
        replay = self.mode == "replay" or (self.mode == "once" and self.path.exists())
        if replay and not self.path.exists():
            raise ConfigError(
                f"cassette {self.path} does not exist, and mode='replay' never records; "
                "record it first (mode='once' or 'record', or pytest --modelkit-record)"
            )
        interactions = read_cassette(self.path) if replay else []
        return Tape(self.path, interactions, recording=not replay, timing=self.timing)

    def __call__(self, func: F) -> F:
        """Use this cassette around each call of ``func`` (a function or coroutine function)."""
        import inspect

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _fresh(self) -> Cassette:
        return Cassette(self.path, self.mode, timing=self.timing)


def cassette(
    path: Union[str, os.PathLike[str]], mode: str = "once", *, timing: bool = False
) -> Cassette:
    """Record or replay every model call in a block or function (see ``Cassette``).

    Example::

        with cassette("tests/cassettes/summary.json"):
            summary = summarise(get_model("openai/gpt-4o-mini"), text)
    """
    return Cassette(path, mode, timing=timing)


_environment_lock = threading.Lock()
_environment: Optional[Tuple[str, str, Cassette]] = None


def use_environment() -> None:
    """Apply ``$MODELKIT_CASSETTE`` (with ``$MODELKIT_CASSETTE_MODE``, default ``"once"``).

    Called when an HTTP client is made. Does nothing when the variable is
    unset, when that cassette is already in use, or inside a
    ``cassette()`` block (which takes precedence). A recording is written
    after each interaction and at exit.

    Raises:
        ConfigError: ``$MODELKIT_CASSETTE_MODE`` is not a mode, or the file
            cannot be used in it.
    """
    global _environment
    path = os.environ.get(ENV_PATH, "")
    if not path:
        return
    mode = os.environ.get(ENV_MODE, "").strip() or "once"
    if mode not in MODES:
        raise ConfigError(f"${ENV_MODE} must be one of {', '.join(MODES)}; got {mode!r}")
    with _environment_lock:
        current = _environment
        tap = current_tap()
        if current is not None and current[:2] == (path, mode) and tap is current[2].tape:
            return
        if tap is not None and (current is None or tap is not current[2].tape):
            return  # a cassette() block is in use
        if current is not None:
            current[2].__exit__(None, None, None)
        chosen = Cassette(path, mode)
        chosen.__enter__()
        if current is None:
            atexit.register(_save_at_exit)
        _environment = (path, mode, chosen)


def stop_environment() -> None:
    """End the cassette ``use_environment`` set, writing it if it records (tests use this)."""
    global _environment
    with _environment_lock:
        current, _environment = _environment, None
        if current is not None and current_tap() is current[2].tape:
            current[2].__exit__(None, None, None)


def _save_at_exit() -> None:
    current = _environment
    if current is not None and current[2].tape is not None and current[2].tape.recording:
        current[2].tape.save()
