"""Ctrl-C reaches a caller that waits for other threads, whichever thread the kernel gave it.

A process-wide SIGINT may be handled by any thread that does not block it;
CPython's C handler then only flags the interpreter, and the Python-level
``KeyboardInterrupt`` is raised in the main thread when it next runs
bytecode. Each test hands SIGINT to a worker thread with
``signal.pthread_kill`` while the main thread waits for that worker, and
checks the main thread raises while the worker is still held (a waiter
blocked for good would raise only after the worker let go).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from typing import Any, List

import pytest

from modelkit._engine.limits import ConnectionLimit
from modelkit._engine.many import generate_many
from modelkit._engine.pool import resolve

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals reach Python code only in the main thread",
)

HELD_SECONDS = 10  # how long a worker holds on; the main thread must not wait that out


def _main_thread_waits_in(*functions: str) -> None:
    """Return once the main thread's innermost Python frame is one of ``functions``."""
    main = threading.main_thread().ident
    deadline = time.monotonic() + HELD_SECONDS
    while time.monotonic() < deadline:
        frame = sys._current_frames().get(main)
        if frame is not None and frame.f_code.co_name in functions:
            time.sleep(0.05)  # from the Python frame into the blocking C call
            return
        time.sleep(0.005)
    raise AssertionError(f"the main thread never waited in {functions}")


def _interrupt_this_thread_then_hold(
    release: threading.Event, let_go: threading.Event, *waits_in: str
) -> None:
    _main_thread_waits_in(*waits_in)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)
    release.wait(HELD_SECONDS)
    let_go.set()


def test_generate_many_raises_keyboard_interrupt_while_its_workers_are_held() -> None:
    release, let_go = threading.Event(), threading.Event()

    def generate(item: Any) -> str:
        _interrupt_this_thread_then_hold(release, let_go, "generate_many", "next_finished")
        return "answer"

    try:
        with pytest.raises(KeyboardInterrupt):
            generate_many(generate, ["a", "b"], max_workers=2)
        assert not let_go.is_set()  # raised while the requests were still held
    finally:
        release.set()


def test_a_call_waiting_for_a_connection_slot_raises_keyboard_interrupt() -> None:
    limit = ConnectionLimit("loopback", 1)
    limit.acquire(1)  # the one slot, held by a request that does not end
    release, let_go = threading.Event(), threading.Event()

    def hold_then_let_go() -> None:
        _interrupt_this_thread_then_hold(release, let_go, "wait")  # Condition.wait
        limit.release()

    holder = threading.Thread(target=hold_then_let_go)
    holder.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            limit.acquire(1)
        assert not let_go.is_set()
        assert limit.active == 1 and limit.waiting == 0  # the interrupted call took nothing
    finally:
        release.set()
        holder.join()
    assert limit.active == 0


def test_resolve_inside_a_running_loop_raises_keyboard_interrupt() -> None:
    release, let_go = threading.Event(), threading.Event()
    raised: List[BaseException] = []

    async def held() -> str:
        _interrupt_this_thread_then_hold(release, let_go, "_wait_for_tstate_lock", "join")
        return "answer"

    async def synchronous_code_called_from_async() -> None:
        try:
            resolve(held())  # runs on a helper thread: this loop's thread is busy
        except KeyboardInterrupt as exc:
            raised.append(exc)
            assert not let_go.is_set()

    loop = asyncio.new_event_loop()  # run_until_complete installs no SIGINT handler
    try:
        loop.run_until_complete(synchronous_code_called_from_async())
    finally:
        release.set()
        loop.close()
    assert len(raised) == 1
