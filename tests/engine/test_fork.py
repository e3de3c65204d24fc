"""A forked child shares no socket, slot, pool or alarm with its parent.

Each test forks (``os.fork``) from a process that already made requests
over a pooled keep-alive connection, used ``generate_many`` or holds a
connection slot in another thread, and checks what the child gets: its own
answers, within a few seconds. A child that hangs is killed and fails the
test. Forking is POSIX only; the tests skip elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import warnings
from typing import Callable, List

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

HUNG = -1


def _echo(received: Received) -> Reply:
    prompt = received.json()["messages"][-1]["content"]
    return Reply(body=chat_completion(prompt), delay=0.005)


def _in_child(
    work: Callable[[], bool], timeout: float = 10.0, meanwhile: Callable[[], object] = lambda: None
) -> int:
    """Run ``work`` in a forked child: 0 when it returned True, 1 when False, 2 on an error.

    The parent runs ``meanwhile`` while the child works, then waits for it.
    """
    with warnings.catch_warnings():  # Python 3.12+ warns about fork with threads running
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 2
        try:
            code = 0 if work() else 1
        finally:
            os._exit(code)
    meanwhile()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return (
                os.waitstatus_to_exitcode(status)
                if hasattr(os, "waitstatus_to_exitcode")
                else status >> 8
            )
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return HUNG


def _model(server: LoopbackServer, **config: object) -> modelkit.Model:
    return modelkit.get_model(
        "openai/gpt-4o",
        base_url=f"{server.url}/v1",
        api_key="sk-fork",
        config=modelkit.GenerateConfig(timeout=5, max_retries=0, **config),  # type: ignore[arg-type]
        memoize=False,
    )


def test_parent_and_child_never_get_each_others_answers(loopback: LoopbackServer) -> None:
    loopback.default = _echo
    model = _model(loopback)
    for trial in range(4):
        assert model.generate(f"warm {trial}").completion == f"warm {trial}"  # a pooled socket
        child, parent = f"child {trial}", f"parent {trial}"
        results: List[str] = []
        code = _in_child(
            lambda: model.generate(child).completion == child,  # noqa: B023 - runs at once
            meanwhile=lambda: results.append(model.generate(parent).completion),  # noqa: B023
        )
        assert code == 0, f"trial {trial}: the child got another answer or none ({code})"
        assert results == [parent]


def test_a_child_runs_generate_many_and_async_after_its_parent_did(
    loopback: LoopbackServer,
) -> None:
    loopback.default = _echo
    model = _model(loopback, max_connections=4)
    assert [o.completion for o in model.generate_many(["a", "b", "c", "d", "e"])] == list("abcde")

    def child() -> bool:
        outputs = model.generate_many(["x", "y", "z"])
        answer = asyncio.run(model.generate_async("w"))
        return [o.completion for o in outputs] == ["x", "y", "z"] and answer.completion == "w"

    assert _in_child(child) == 0


def test_a_child_is_not_blocked_by_a_slot_a_parent_thread_holds(
    loopback: LoopbackServer,
) -> None:
    loopback.default = _echo
    model = _model(loopback, max_connections=1)
    loopback.script(Reply(body=chat_completion("slow"), delay=0.4))
    holder = threading.Thread(target=model.generate, args=("slow",))
    holder.start()
    while loopback.in_flight == 0:  # the parent thread holds the only slot
        time.sleep(0.005)
    try:
        assert _in_child(lambda: model.generate("child").completion == "child", timeout=5) == 0
    finally:
        holder.join(5)


@pytest.mark.parametrize(
    "lock_name", ["modelkit._models._memo_lock", "modelkit.api._registry_lock"]
)
def test_a_child_is_not_blocked_by_a_registry_lock_a_parent_thread_holds(
    loopback: LoopbackServer, lock_name: str
) -> None:
    import importlib

    module_name, attribute = lock_name.rsplit(".", 1)
    lock = getattr(importlib.import_module(module_name), attribute)
    loopback.default = _echo
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:

        def child() -> bool:
            model = modelkit.get_model("openai/gpt-4o", base_url=loopback.url, api_key="sk-f")
            return model.generate("c").completion == "c"

        assert _in_child(child, timeout=5) == 0
    finally:
        release.set()
        holder.join(5)
