"""One table for ``make bench``: each benchmark reports its headline rows here.

A benchmark calls :func:`report` for each job the issue-24 table tracks
(job, floor, modelkit, target, and the official SDK where it is
installed). Run alone, a benchmark prints its own tables and ``report``
does nothing; under ``benchmarks/run_all.py`` (``make bench``) each row is
appended as one JSON line to the file ``$BENCH_REPORT`` names, and
``run_all`` prints them as one table and keeps it in
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import json
import os
from typing import Optional


def report(
    job: str,
    floor_name: str,
    floor: float,
    modelkit: float,
    target: Optional[float],
    unit: str = "us",
    sdk: Optional[float] = None,
    sdk_name: str = "",
) -> None:
    """Record one row: ``floor`` and ``modelkit`` (and ``sdk``) in ``unit``, medians of one run.

    Args:
        job: what is measured ("one call", "a stream, per event", ...).
        floor_name: what the floor is, measured in the same run.
        floor: the floor's figure.
        modelkit: modelkit's figure.
        target: the most ``modelkit / floor`` may be (``None``: no target).
        unit: the figures' unit ("us", "ms", "MiB").
        sdk: the official SDK's figure, when it is installed.
        sdk_name: which SDK.
    """
    path = os.environ.get("BENCH_REPORT")
    if not path:
        return
    row = {
        "job": job,
        "floor_name": floor_name,
        "floor": floor,
        "modelkit": modelkit,
        "ratio": modelkit / floor if floor else None,
        "target": target,
        "unit": unit,
        "sdk": sdk,
        "sdk_name": sdk_name,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
