"""A hand-written stdio MCP server (standard library only) that misbehaves on request.

``python mcp_fake_server.py MODE [--log PATH]``: speaks newline-delimited
JSON-RPC as the MCP spec's stdio transport and lifecycle describe
(https://modelcontextprotocol.io/specification/2025-11-25/basic), then
breaks the way MODE says. ``--log`` appends each message received (one
JSON line) to PATH, so tests can check what the client sent.

Unless the mode says otherwise it is a legacy (handshake-era) server: a
request other than ``initialize`` before the handshake, ``server/discover``
included, is answered ``-32601`` as the MCP SDKs' legacy servers answer
an unknown method (2026-07-28's stdio binding: such an error sends a
dual-era client to the handshake).

Modes: ``ok`` (a paginated tool list: 3 pages), ``garbage`` (answers with a
line that is not JSON), ``exit`` (exits with status 3 after a stderr line),
``hang`` (never answers), ``hang-call`` (answers all but tools/call),
``version:V`` (answers initialize with protocol version V), ``silent``
(a legacy server that ignores every request before ``initialize``),
``modern-only`` (2026-07-28 only: answers ``server/discover``, refuses
initialize with -32022 naming 2026-07-28, and refuses requests without the
``_meta`` envelope), ``dual`` (answers both eras), ``late-modern`` (a
modern server that answers its first ``server/discover`` after 1.5 s),
``discover-legacy`` (answers ``server/discover`` listing only 2025-11-25),
``probe-refused`` (a legacy server answering ``server/discover`` with -32022
naming handshake versions),
``future-only`` (refuses both with -32022 naming only a version from the
future), ``mrtr`` (2026-07-28; tools/call answers ``input_required``: with a
``requestState`` only until it is echoed back, then the result, and sends
a ``ping`` request first, which the revision forbids; tool ``ask`` with an
elicitation request), ``errors`` (tools/call ``boom``
answers a JSON-RPC error, ``sad`` an ``isError`` result), ``ping`` (sends
``ping``, ``roots/list``, ``sampling/createMessage`` and
``elicitation/create`` to the client and a progress notification before
answering tools/call), ``echo-env`` (answers tools/call with an error quoting ``$API_TOKEN``),
``child`` (starts a sleeping grandchild, then hangs), ``crash-after-call``
(exits with status 5 after answering a tools/call).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

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


MODERN_MODES = ("modern-only", "dual", "late-modern", "mrtr")
STATE = {"initialized": False, "discovered": 0}


def refuse_version(request: Dict[str, Any], supported: List[str]) -> None:
    requested = ((request.get("params") or {}).get("_meta") or {}).get(
        "io.modelcontextprotocol/protocolVersion"
    ) or (request.get("params") or {}).get("protocolVersion")
    error = {
        "code": -32022,
        "message": "Unsupported protocol version",
        "data": {"supported": supported, "requested": requested},
    }
    send({"jsonrpc": "2.0", "id": request["id"], "error": error})


def handle(request: Dict[str, Any]) -> None:
    method = request.get("method")
    modern = MODE in MODERN_MODES and method != "initialize" and not STATE["initialized"]
    if MODE == "future-only" and "id" in request:
        refuse_version(request, ["2099-01-01"])
        return
    if modern:
        meta = (request.get("params") or {}).get("_meta") or {}
        if meta.get("io.modelcontextprotocol/protocolVersion") != "2026-07-28" or not isinstance(
            meta.get("io.modelcontextprotocol/clientCapabilities"), dict
        ):
            error = {"code": -32602, "message": "params._meta must carry the envelope keys"}
            send({"jsonrpc": "2.0", "id": request.get("id"), "error": error})
            return
    elif not STATE["initialized"] and method not in ("initialize", "ping"):
        if MODE == "silent" or "id" not in request:
            return
        if MODE == "probe-refused" and method == "server/discover":
            refuse_version(request, ["2025-11-25", "2025-06-18"])
            return
        if MODE == "discover-legacy" and method == "server/discover":
            result = {"supportedVersions": ["2025-11-25"], "capabilities": {}}
            answer(request, {**result, "resultType": "complete"})
            return
        error = {"code": -32601, "message": f"Method not found: {method}"}
        send({"jsonrpc": "2.0", "id": request["id"], "error": error})
        return
    if method == "server/discover":
        STATE["discovered"] += 1
        if MODE == "late-modern" and STATE["discovered"] == 1:
            time.sleep(1.5)
        info = {"io.modelcontextprotocol/serverInfo": {"name": "fake", "version": "0"}}
        result = {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}, "_meta": info}
        answer(request, {**result, "resultType": "complete"})
        return
    if method == "initialize":
        if MODE in ("modern-only", "late-modern", "mrtr"):
            refuse_version(request, ["2026-07-28"])
            return
        STATE["initialized"] = True
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
        if MODE in MODERN_MODES:
            result.update(resultType="complete", ttlMs=0, cacheScope="private")
        answer(request, result)
    elif method == "tools/call":
        if MODE == "hang-call":
            return
        name = request["params"]["name"]
        if MODE == "echo-env":
            token = os.environ.get("API_TOKEN", "")
            error = {"code": -32602, "message": f"token {token} refused", "data": {"t": token}}
            send({"jsonrpc": "2.0", "id": request["id"], "error": error})
            return
        if MODE == "errors" and name == "boom":
            error = {"code": -32602, "message": "x must be positive"}
            send({"jsonrpc": "2.0", "id": request["id"], "error": error})
            return
        if MODE == "errors" and name == "sad":
            answer(
                request, {"content": [{"type": "text", "text": "it went wrong"}], "isError": True}
            )
            return
        if MODE == "mrtr":
            params = request["params"]
            if name == "ask":
                elicit = {
                    "method": "elicitation/create",
                    "params": {
                        "mode": "form",
                        "message": "Your name?",
                        "requestedSchema": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}},
                        },
                    },
                }
                needed = {"inputRequests": {"who": elicit}, "requestState": "s-ask"}
                answer(request, {"resultType": "input_required", **needed})
                return
            if "requestState" not in params:  # breaks the revision: it has no server requests
                send({"jsonrpc": "2.0", "id": "srv-m", "method": "ping"})
            if params.get("requestState") != "s-2":
                state = "s-1" if "requestState" not in params else "s-2"
                answer(request, {"resultType": "input_required", "requestState": state})
                return
        if MODE == "ping":
            asked = [
                ("srv-1", "ping", None),
                ("srv-2", "roots/list", None),
                ("srv-3", "sampling/createMessage", {"messages": [], "maxTokens": 5}),
                ("srv-4", "elicitation/create", {"mode": "form", "message": "Name?"}),
            ]
            progress = {"progressToken": "p", "progress": 1}
            send({"jsonrpc": "2.0", "method": "notifications/progress", "params": progress})
            for ident, method_name, params_sent in asked:
                message: Dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method_name}
                if params_sent is not None:
                    message["params"] = params_sent
                send(message)
            for _ in asked:
                log(json.loads(sys.stdin.readline()))
        text = json.dumps(request["params"]["arguments"], sort_keys=True)
        result = {"content": [{"type": "text", "text": f"{name} {text}"}]}
        if MODE in MODERN_MODES:
            result["resultType"] = "complete"
        answer(request, result)
        if MODE == "crash-after-call":
            sys.exit(5)
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
