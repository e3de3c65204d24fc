"""One call in a loop, for instruction counts: ``python benchmarks/call_loop.py N [what]``.

Starts ``bench_engine``'s loopback server (in its own process, so a tool
that follows only this process does not count it), makes 100 warm-up calls
and then ``N``. ``what`` is ``generate`` (``model.generate`` of
``openai/gpt-4o``, the default), ``floor`` (``bench_engine``'s floor:
``HTTPAdapter.send`` of one reused ``PreparedRequest`` + ``json.loads``)
or ``client`` (modelkit's ``HttpClient.post`` alone). The instructions of
one call are the count of ``N`` calls less that of none, over ``N``::

    for n in 0 300; do PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no \\
        --cachegrind-out-file=/dev/null python benchmarks/call_loop.py $n generate; done

Instruction counts do not move with the machine's load, where wall times
do (docs/engine.md, "Where one call went at 20:23").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine
import requests

WHAT = ("generate", "floor", "client")


def call_for(url: str, what: str) -> Callable[[], Any]:
    """The call ``what`` names, against the bench server at ``url``."""
    model = bench_engine.model_for(url)
    if what == "generate":
        return lambda: model.generate(bench_engine.PROMPT)
    request = model.prepare(bench_engine.PROMPT)
    api: Any = model.api
    wire = api.build_request(request.input, request.tools, request.tool_choice, request.config)
    data = json.dumps(wire.body).encode("utf-8")
    headers = api.sign(wire, data)
    if what == "client":
        from modelkit._engine.http import HttpClient

        client = HttpClient("openai", "gpt-4o")
        return lambda: client.post(wire.url, data, headers)
    adapter = requests.adapters.HTTPAdapter()
    prepared = requests.Request("POST", wire.url, data=data, headers=headers).prepare()
    return lambda: json.loads(adapter.send(prepared, timeout=60).content)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    what = sys.argv[2] if len(sys.argv) > 2 else "generate"
    if what not in WHAT:
        sys.exit(f"usage: call_loop.py N [{'|'.join(WHAT)}]")
    with bench_engine.server(0.0) as url:
        call = call_for(url, what)
        for _ in range(100 + calls):
            call()


if __name__ == "__main__":
    main()
