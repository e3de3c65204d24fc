"""``make bench``: run every benchmark, then print one table of the tracked jobs.

Each ``benchmarks/bench_*.py`` runs in its own interpreter (its own output
goes to the terminal as it comes); those that measure a job of the
performance table report a row through ``_report.report`` into a
temporary file. At the end the rows are printed as one table — job,
floor, modelkit, ratio, target, met, and the official SDK where it is
installed in this environment — and written to ``benchmarks/RESULTS.md``
with the date, the machine and its load average. A benchmark that fails
is named and makes the run fail, after the table.

Usage: ``python benchmarks/run_all.py [bench_stream bench_cache ...]``
(names select benchmarks; none: all of them).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _figure(value: Optional[float], unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def table(rows: List[Dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    sdk = any(row.get("sdk") is not None for row in rows)
    head = ["job", "floor (same run)", "floor", "modelkit", "ratio", "target", "met"]
    if sdk:
        head.append("official SDK")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        ratio, target = row.get("ratio"), row.get("target")
        met = "-" if target is None or ratio is None else ("yes" if ratio <= target else "no")
        cells = [
            row["job"],
            row["floor_name"],
            _figure(row["floor"], row["unit"]),
            _figure(row["modelkit"], row["unit"]),
            "-" if ratio is None else f"{ratio:.2f}x",
            "-" if target is None else f"<= {target:g}x",
            met,
        ]
        if sdk:
            value = row.get("sdk")
            cells.append(
                "-"
                if value is None
                else f"{row.get('sdk_name', '')} {_figure(value, row['unit'])} "
                f"({value / row['floor']:.2f}x)"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem in argv or s.name in argv]
    fd, report = tempfile.mkstemp(prefix="modelkit-bench-", suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ, BENCH_REPORT=report)
    failed = []
    load_before = _load()
    for script in scripts:
        print(f"== {script.relative_to(HERE.parent)}", flush=True)
        if subprocess.run([sys.executable, str(script)], env=env).returncode != 0:
            failed.append(script.name)
    rows = [json.loads(line) for line in Path(report).read_text().splitlines() if line]
    os.unlink(report)
    load_after = _load()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
    text = table(rows)
    print(f"\n{text}\n\n{now}; {machine}; load average {load_before} before, {load_after} after")
    ran = "all benchmarks" if not argv else "only " + ", ".join(s.name for s in scripts)
    RESULTS.write_text(
        "# Benchmark results (`make bench`)\n\n"
        "Written by `benchmarks/run_all.py` after its last run; each ratio is\n"
        "modelkit's median over its floor's, both measured in the same run, taking\n"
        "turns. See docs/engine.md (Performance) for what each row measures.\n\n"
        f"- date: {now}\n- machine: {machine}\n- benchmarks run: {ran}\n"
        f"- load average (1, 5, 15 min): {load_before} before the run, {load_after} after\n\n"
        f"{text}\n"
    )
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
