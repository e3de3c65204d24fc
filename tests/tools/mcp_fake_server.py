"""A hand-written stdio MCP server (standard library only) that misbehaves on request.

``python mcp_fake_server.py MODE [--log PATH]``: speaks newline-delimited
JSON-RPC as the MCP spec's stdio transport and lifecycle describe
(https://modelcontextprotocol.io/specification/2025-11-25/basic), then
breaks the way MODE says. ``--log`` appends each message received (one
JSON line) to PATH, so tests can check what the client sent.

Modes: ``ok`` (a paginated tool list: 3 pages), ``garbage`` (answers with a
line that is not JSON), ``exit`` (exits with status 3 after a stderr line),
``hang`` (never answers), ``hang-call`` (answers all but tools/call),
``version:V`` (answers initialize with protocol version V), ``modern-only``
(refuses initialize with -32022, supporting only the stateless 2026-07-28,
then answers ``server/discover`` and requests carrying the ``_meta``
envelope, refusing those without it), ``future-only`` (refuses initialize,
supporting only a version from the future), ``errors``
(tools/call ``boom`` answers a JSON-RPC error, ``sad`` an ``isError``
result), ``ping`` (pings the client before answering tools/call),
``child`` (starts a sleeping grandchild, then hangs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, Optional

MODE = sys.argv[1]
LOG = sys.argv[sys.argv.index("--log") + 1] if "--log" in sys.argv else None


def send(message: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def answer(request: Dict[str, Any], result: Any) -> None:
    send({"jsonrpc": "2.0", "id": request["id"], "result": result})


def tool(name: str) -> Dict[str, Any]:
    return {
        "name": name,
        "description": f"The {name} tool.",
        "inputSchema": {
            "type": "object",
            "properties": {"x": {"type": "integer", "title": "X", "minimum": 0}},
            "required": ["x"],
        },
    }


PAGES = {None: (["t1", "t2"], "c1"), "c1": (["t3"], "c2"), "c2": (["t4"], None)}


def handle(request: Dict[str, Any]) -> None:
    method = request.get("method")
    if MODE == "modern-only" and method != "initialize":
        meta = (request.get("params") or {}).get("_meta") or {}
        if meta.get("io.modelcontextprotocol/protocolVersion") != "2026-07-28" or not isinstance(
            meta.get("io.modelcontextprotocol/clientCapabilities"), dict
        ):
            error = {"code": -32602, "message": "params._meta must carry the envelope keys"}
            send({"jsonrpc": "2.0", "id": request.get("id"), "error": error})
            return
    if method == "server/discover":
        info = {"io.modelcontextprotocol/serverInfo": {"name": "fake", "version": "0"}}
        result = {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}, "_meta": info}
        answer(request, {**result, "resultType": "complete"})
        return
    if method == "initialize":
        if MODE in ("modern-only", "future-only"):
            supported = ["2026-07-28"] if MODE == "modern-only" else ["2099-01-01"]
            error = {
                "code": -32022,
                "message": "Unsupported protocol version",
                "data": {"supported": supported, "requested": "2025-11-25"},
            }
            send({"jsonrpc": "2.0", "id": request["id"], "error": error})
            return
        version = MODE.split(":", 1)[1] if MODE.startswith("version:") else "2025-06-18"
        answer(
            request,
            {
                "protocolVersion": version,
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake", "version": "0"},
            },
        )
    elif method == "tools/list":
        cursor: Optional[str] = (request.get("params") or {}).get("cursor")
        names, following = PAGES[cursor]
        result: Dict[str, Any] = {"tools": [tool(n) for n in names]}
        if following:
            result["nextCursor"] = following
        answer(request, result)
    elif method == "tools/call":
        if MODE == "hang-call":
            return
        name = request["params"]["name"]
        if MODE == "errors" and name == "boom":
            error = {"code": -32602, "message": "x must be positive"}
            send({"jsonrpc": "2.0", "id": request["id"], "error": error})
            return
        if MODE == "errors" and name == "sad":
            answer(
                request, {"content": [{"type": "text", "text": "it went wrong"}], "isError": True}
            )
            return
        if MODE == "ping":
            send({"jsonrpc": "2.0", "id": "srv-1", "method": "ping"})
            send({"jsonrpc": "2.0", "id": "srv-2", "method": "roots/list"})
            replies = [json.loads(sys.stdin.readline()), json.loads(sys.stdin.readline())]
            log(replies[0])
            log(replies[1])
        text = json.dumps(request["params"]["arguments"], sort_keys=True)
        answer(request, {"content": [{"type": "text", "text": f"{name} {text}"}]})
    elif "id" in request and method is not None:
        send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "no"}})


def log(message: Dict[str, Any]) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as file:
            file.write(json.dumps(message) + "\n")


def main() -> None:
    log({"pid": os.getpid()})
    if MODE == "child":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        log({"child": child.pid})
    for line in sys.stdin:
        request = json.loads(line)
        log(request)
        if MODE in ("hang", "child"):
            continue
        if MODE == "garbage":
            sys.stdout.write("Server starting... this is not JSON\n")
            sys.stdout.flush()
            continue
        if MODE == "exit":
            sys.stderr.write("fatal: the fake server gives up\n")
            sys.stderr.flush()
            sys.exit(3)
        handle(request)
    time.sleep(0.1)


if __name__ == "__main__":
    main()
