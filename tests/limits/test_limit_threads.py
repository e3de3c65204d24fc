"""Generations in threads a limit block starts count in it: a plain
``threading.Thread`` and a ``concurrent.futures.ThreadPoolExecutor`` started
or used inside ``token_limit`` / ``cost_limit`` (issue 22.4: "every
generation inside the block ... in any thread it starts"). The threads run
in a copy of the starter's (or submitter's) ``contextvars`` context, as
Python's ``contextvars`` docs show for ``Context.run``
(https://docs.python.org/3/library/contextvars.html#contextvars.Context.run).
Requests go to a loopback OpenAI chat-completions server that counts them
(9 tokens a call: https://platform.openai.com/docs/api-reference/chat/object)
or to ``mockllm`` with a generator of outputs that counts what it serves."""

from __future__ import annotations

import contextvars
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List

import pytest
from loopback import LoopbackServer

from modelkit import (
    LimitExceededError,
    ModelCost,
    ModelInfo,
    ModelOutput,
    ModelUsage,
    cost_limit,
    get_model,
    set_model_info,
    token_limit,
)
from modelkit._engine import observe
from modelkit.limits._observer import OBSERVER

PRICED = "mockllm/priced-threads"
user_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_var", default="unset")


@pytest.fixture(autouse=True)
def no_limit_left() -> Iterator[None]:
    yield
    assert OBSERVER not in observe.observers


def openai(loopback: LoopbackServer) -> Any:
    return get_model("openai/gpt-4o", base_url=loopback.url, api_key="sk-test-threads")


def run_thread(target: Any, *args: Any) -> Dict[str, Any]:
    """Run ``target`` in a plain thread; what it returned or raised."""
    box: Dict[str, Any] = {}

    def body() -> None:
        try:
            box["value"] = target(*args)
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return box


def test_a_plain_thread_in_a_token_limit_counts_and_is_refused(loopback: LoopbackServer) -> None:
    model = openai(loopback)

    def three_calls() -> None:
        for prompt in ("one", "two", "three"):
            model.generate(prompt)

    with token_limit(18) as limit:
        box = run_thread(three_calls)
    assert isinstance(box.get("error"), LimitExceededError), box
    assert box["error"].source is limit and limit.usage == 18
    assert loopback.count == 2  # the third request, in the thread, was not sent


class _Served:
    """``mockllm`` outputs that count how many requests were answered ($3 each)."""

    def __init__(self) -> None:
        self.count = 0

    def __iter__(self) -> Iterator[ModelOutput]:
        while True:
            self.count += 1
            output = ModelOutput.from_content("m", "ok")
            output.usage = ModelUsage(input_tokens=2, output_tokens=1, total_tokens=3)
            yield output


@pytest.fixture
def priced() -> Iterator[None]:
    """``mockllm/priced-threads`` costs $1 a token."""
    from modelkit.info import _table

    set_model_info(PRICED, ModelInfo(cost=ModelCost(input=1e6, output=1e6, input_cache_write=1e6, input_cache_read=1e6)))
    yield
    with _table._lock:
        _table._custom.pop(PRICED, None)
        _table._memo.clear()


def test_an_executor_in_a_cost_limit_counts_and_is_refused(priced: None) -> None:
    served = _Served()
    model = get_model(PRICED, custom_outputs=iter(served))
    with cost_limit(6.0) as limit:
        with ThreadPoolExecutor(max_workers=1) as pool:
            futures = [pool.submit(model.generate, f"p{i}") for i in range(4)]
            errors = [future.exception() for future in futures]
    assert errors[:2] == [None, None]
    assert all(isinstance(error, LimitExceededError) for error in errors[2:]), errors
    assert served.count == 2 and limit.usage == 6.0  # the third and fourth were not sent


def test_executor_map_counts(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(None) as limit:
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(model.generate, [f"p{i}" for i in range(5)]))
    assert limit.usage == 45 and loopback.count == 5


def test_nested_limits_count_in_threads(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(100) as outer:
        with token_limit(9) as inner:
            box = run_thread(lambda: [model.generate("a"), model.generate("b")])
            assert isinstance(box.get("error"), LimitExceededError)
            assert box["error"].source is inner
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(model.generate, "c").result()
    assert (inner.usage, outer.usage, loopback.count) == (9, 18, 2)


def test_a_thread_started_outside_any_block_is_unaffected(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    go = threading.Event()
    box: Dict[str, Any] = {}

    def later() -> None:
        go.wait(30)
        try:
            box["value"] = model.generate("outside")
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=later)
    thread.start()
    with token_limit(9) as limit:
        model.generate("inside")  # reached
        go.set()
        thread.join()
    assert "value" in box, box  # the earlier thread was neither refused nor counted
    assert limit.usage == 9 and loopback.count == 2


def test_nothing_is_copied_when_no_limit_is_in_force() -> None:
    with token_limit(None):
        pass  # installs the propagation
    token = user_var.set("starter's")
    try:
        outside = run_thread(user_var.get)
        with ThreadPoolExecutor(max_workers=1) as pool:
            fresh_worker = pool.submit(user_var.get).result()
        with token_limit(None):
            inside = run_thread(user_var.get)
    finally:
        user_var.reset(token)
    assert outside["value"] == "unset"  # as without modelkit: a thread starts in a new context
    assert fresh_worker == "unset"
    assert inside["value"] == "starter's"  # inside a block: a copy of the starter's context


def test_a_pool_grown_inside_a_block_does_not_carry_it_out(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    pool = ThreadPoolExecutor(max_workers=1)
    keep = threading.Event()
    entered = threading.Event()

    def another_block() -> None:  # keeps a limit entered in the process meanwhile
        with token_limit(None):
            entered.set()
            keep.wait(30)

    other = threading.Thread(target=another_block)
    other.start()
    entered.wait(30)
    try:
        with token_limit(9):
            pool.submit(model.generate, "starts the worker inside the block").result()
        # the worker thread was started inside that (now reached) block; work submitted
        # from outside any block must not run in it
        pool.submit(model.generate, "outside").result()
    finally:
        keep.set()
        other.join()
        pool.shutdown()
    assert loopback.count == 2


FORK_CHILD = r"""
import os, sys, threading, time
import modelkit
from modelkit.limits import _threads

held = threading.Event()
release = threading.Event()

def hold_the_install_lock():  # another thread is installing when the process forks
    with _threads._lock:
        held.set()
        release.wait(10)

holder = threading.Thread(target=hold_the_install_lock)
holder.start()
held.wait(10)
pid = os.fork()
if pid == 0:
    model = modelkit.get_model("mockllm/model")  # "Say hello": 6 tokens
    box = {}
    def two_calls():
        try:
            model.generate("Say hello")
            model.generate("Say hello")
        except modelkit.LimitExceededError as error:
            box["error"] = error
    with modelkit.token_limit(6) as limit:
        thread = threading.Thread(target=two_calls)
        thread.start()
        thread.join()
    os._exit(0 if "error" in box and limit.usage == 6 else 3)
release.set()
holder.join()
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
    time.sleep(0.05)
os.kill(pid, 9)
sys.exit(4)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork on this platform")
def test_a_forked_child_can_install_and_count() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", textwrap.dedent(FORK_CHILD)],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr.decode()[-2000:])


def test_a_thread_subclass_with_its_own_run_counts(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    seen: List[int] = []

    class Worker(threading.Thread):
        def run(self) -> None:
            model.generate("from a subclass")
            seen.append(1)

    with token_limit(None) as limit:
        worker = Worker()
        worker.start()
        worker.join()
    assert seen == [1] and limit.usage == 9
    assert "run" not in worker.__dict__  # the wrapper is gone once it ran


LAZY = r"""
import sys, threading
from concurrent.futures import ThreadPoolExecutor
import modelkit

start, submit = threading.Thread.start, ThreadPoolExecutor.submit
modelkit.get_model("mockllm/model").generate("no limit")
assert "modelkit.limits._threads" not in sys.modules
assert threading.Thread.start is start and ThreadPoolExecutor.submit is submit
for _ in range(3):
    with modelkit.token_limit(None), modelkit.cost_limit(None):
        pass
assert threading.Thread.start is not start and threading.Thread.start.__wrapped__ is start
assert ThreadPoolExecutor.submit.__wrapped__ is submit  # wrapped once, however many limits
"""


def test_installed_once_and_only_when_a_limit_is_entered() -> None:
    done = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
