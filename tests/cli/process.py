"""Running ``python -m modelkit`` in a real subprocess, as a shell would.

``modelkit_env`` is a minimal environment (no API keys from the machine,
the cache and ``HOME`` under the test's directory); ``run_modelkit`` runs
the command to the end and ``start_modelkit`` starts it in the background;
``wait_for_exit`` waits for one started so, and when it does not end in
time, fails with what the process was doing (its signal masks and every
thread's stack, dumped by ``faulthandler`` on SIGABRT).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import modelkit

ROOT = Path(modelkit.__file__).resolve().parents[1]


def modelkit_env(tmp_path: Path, **extra: str) -> Dict[str, str]:
    """An environment with only what the command needs, plus ``extra``."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "MODELKIT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def run_modelkit(
    tmp_path: Path, *argv: str, stdin: Optional[str] = None, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m modelkit ARGV`` in ``tmp_path`` and wait for it (at most 60 s)."""
    return subprocess.run(
        [sys.executable, "-m", "modelkit", *argv],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env or modelkit_env(tmp_path),
        timeout=60,
    )


def start_modelkit(
    tmp_path: Path, argv: Sequence[str], env: Dict[str, str]
) -> subprocess.Popen[str]:
    """Start ``python -m modelkit ARGV`` in the background (stdin empty, output piped).

    It takes Ctrl-C as a command started at a terminal does: the suite's
    ``conftest`` handles SIGINT (see there), and the child inherits that.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "modelkit", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONFAULTHANDLER": "1"},
    )


def wait_for_exit(process: subprocess.Popen[str], timeout: float) -> Tuple[str, str]:
    """``process.communicate(timeout=timeout)``; past it, fail showing where it hung."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        masks = _signal_masks(process.pid)
        process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
        stdout, stderr = process.communicate(timeout=30)
        raise AssertionError(
            f"the process did not exit within {timeout} s\n{masks}\nstdout:\n{stdout}\n"
            f"stderr (thread stacks at the end):\n{stderr}"
        ) from None


def _signal_masks(pid: int) -> str:
    """The Sig* lines of ``/proc/PID/status`` (Linux), or why they are missing."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return "".join(line for line in status if line.startswith(("Sig", "ShdPnd")))
    except OSError as exc:
        return f"(no signal masks: {exc})"
